// CIntakeSupport's inline helpers live in its header; SHA-256 with the SHA extensions in sha256.c.
#include "CIntakeSupport.h"
