// CIntakeSupport is header-only (static inline helpers); SwiftPM needs one source file per C target.
#include "CIntakeSupport.h"
