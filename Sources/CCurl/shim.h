#ifndef INTAKE_CCURL_SHIM_H
#define INTAKE_CCURL_SHIM_H

// Typed wrappers for libcurl's variadic calls, which Swift cannot call directly.
// One wrapper per C argument type; curl reads integer options as `long`.

#include <curl/curl.h>

typedef size_t (*intake_curl_data_callback)(char *ptr, size_t size, size_t nmemb, void *userdata);

static inline CURLcode intake_curl_setopt_long(CURL *h, CURLoption o, long v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode intake_curl_setopt_off_t(CURL *h, CURLoption o, curl_off_t v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode intake_curl_setopt_string(CURL *h, CURLoption o, const char *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode intake_curl_setopt_pointer(CURL *h, CURLoption o, void *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode intake_curl_setopt_slist(CURL *h, CURLoption o, struct curl_slist *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode intake_curl_setopt_blob(CURL *h, CURLoption o, struct curl_blob *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode intake_curl_setopt_callback(CURL *h, CURLoption o, intake_curl_data_callback v) { return curl_easy_setopt(h, o, v); }

static inline CURLcode intake_curl_getinfo_long(CURL *h, CURLINFO i, long *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode intake_curl_getinfo_off_t(CURL *h, CURLINFO i, curl_off_t *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode intake_curl_getinfo_double(CURL *h, CURLINFO i, double *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode intake_curl_getinfo_string(CURL *h, CURLINFO i, char **v) { return curl_easy_getinfo(h, i, v); }

typedef int (*intake_curl_debug_callback)(CURL *h, curl_infotype type, char *data, size_t size, void *userdata);
static inline CURLcode intake_curl_setopt_debug(CURL *h, CURLoption o, intake_curl_debug_callback v) { return curl_easy_setopt(h, o, v); }

/// The number of certificates in the last handshake's peer chain (CURLOPT_CERTINFO must be on).
static inline int intake_curl_certinfo_count(CURL *h) {
    struct curl_certinfo *ci = NULL;
    if (curl_easy_getinfo(h, CURLINFO_CERTINFO, &ci) != CURLE_OK || ci == NULL) return 0;
    return ci->num_of_certs;
}

/// The "Name:value" fields of certificate `i` of the last peer chain (0 is the server's own).
static inline struct curl_slist *intake_curl_certinfo_at(CURL *h, int i) {
    struct curl_certinfo *ci = NULL;
    if (curl_easy_getinfo(h, CURLINFO_CERTINFO, &ci) != CURLE_OK || ci == NULL || i < 0 || i >= ci->num_of_certs) return NULL;
    return ci->certinfo[i];
}

static inline CURLSHcode intake_curl_share_setopt_long(CURLSH *h, CURLSHoption o, long v) { return curl_share_setopt(h, o, v); }

/// The CA bundle path libcurl was built with (may be NULL).
static inline const char *intake_curl_default_cainfo(void) {
    curl_version_info_data *d = curl_version_info(CURLVERSION_NOW);
    return d ? d->cainfo : NULL;
}

/// The libcurl version string, e.g. "7.88.1".
static inline const char *intake_curl_version(void) {
    curl_version_info_data *d = curl_version_info(CURLVERSION_NOW);
    return d ? d->version : "unknown";
}

#endif
