#include <curl/curl.h>
#include <sys/epoll.h>   /* the load runner waits on curl's sockets with epoll */

// curl_easy_setopt and curl_easy_getinfo are variadic, which Swift cannot call.
// These typed, non-variadic wrappers can be; the parentheses around the name
// call the real function rather than the macro.
static inline CURLcode ogf_curl_setopt_long(CURL *h, CURLoption o, long v) { return (curl_easy_setopt)(h, o, v); }
static inline CURLcode ogf_curl_setopt_ptr(CURL *h, CURLoption o, const void *v) { return (curl_easy_setopt)(h, o, v); }
static inline CURLcode ogf_curl_setopt_str(CURL *h, CURLoption o, const char *v) { return (curl_easy_setopt)(h, o, v); }
static inline CURLcode ogf_curl_setopt_off(CURL *h, CURLoption o, curl_off_t v) { return (curl_easy_setopt)(h, o, v); }
static inline CURLcode ogf_curl_setopt_write(CURL *h, size_t (*f)(char *, size_t, size_t, void *)) { return (curl_easy_setopt)(h, CURLOPT_WRITEFUNCTION, f); }
static inline CURLcode ogf_curl_setopt_header(CURL *h, size_t (*f)(char *, size_t, size_t, void *)) { return (curl_easy_setopt)(h, CURLOPT_HEADERFUNCTION, f); }
static inline CURLcode ogf_curl_setopt_read(CURL *h, size_t (*f)(char *, size_t, size_t, void *)) { return (curl_easy_setopt)(h, CURLOPT_READFUNCTION, f); }
static inline CURLcode ogf_curl_setopt_xferinfo(CURL *h, int (*f)(void *, curl_off_t, curl_off_t, curl_off_t, curl_off_t)) { return (curl_easy_setopt)(h, CURLOPT_XFERINFOFUNCTION, f); }
static inline CURLcode ogf_curl_getinfo_long(CURL *h, CURLINFO i, long *v) { return (curl_easy_getinfo)(h, i, v); }
static inline CURLcode ogf_curl_getinfo_double(CURL *h, CURLINFO i, double *v) { return (curl_easy_getinfo)(h, i, v); }
static inline CURLcode ogf_curl_getinfo_str(CURL *h, CURLINFO i, char **v) { return (curl_easy_getinfo)(h, i, v); }
static inline CURLcode ogf_curl_getinfo_off(CURL *h, CURLINFO i, curl_off_t *v) { return (curl_easy_getinfo)(h, i, v); }
static inline CURLcode ogf_curl_getinfo_ptr(CURL *h, CURLINFO i, void **v) { return (curl_easy_getinfo)(h, i, v); }
static inline CURLMcode ogf_curl_multi_setopt_long(CURLM *m, CURLMoption o, long v) { return (curl_multi_setopt)(m, o, v); }
// The handle and result of a finished transfer (CURLMsg's union is awkward from Swift).
static inline CURL *ogf_curl_multi_done(CURLM *m, CURLcode *result) {
    int left = 0;
    CURLMsg *msg;
    while ((msg = curl_multi_info_read(m, &left))) {
        if (msg->msg == CURLMSG_DONE) { *result = msg->data.result; return msg->easy_handle; }
    }
    return NULL;
}
static inline CURLMcode ogf_curl_multi_setopt_ptr(CURLM *m, CURLMoption o, void *v) { return (curl_multi_setopt)(m, o, v); }
static inline CURLMcode ogf_curl_multi_setopt_socketfn(CURLM *m, int (*f)(CURL *, curl_socket_t, int, void *, void *)) { return (curl_multi_setopt)(m, CURLMOPT_SOCKETFUNCTION, f); }
static inline CURLMcode ogf_curl_multi_setopt_timerfn(CURLM *m, int (*f)(CURLM *, long, void *)) { return (curl_multi_setopt)(m, CURLMOPT_TIMERFUNCTION, f); }
