/* SPDX-License-Identifier: MIT */
/* Which detector this translation unit is built for. gcc announces TSan with
 * __SANITIZE_THREAD__, clang only through __has_feature(thread_sanitizer). */
#ifndef TL_SANITIZER_H
#define TL_SANITIZER_H

#if defined(__SANITIZE_THREAD__)
#define TL_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define TL_TSAN 1
#endif
#endif

#ifndef TL_TSAN
#define TL_TSAN 0
#endif

#endif
