/*
 * roam-shm: the library's version.
 *
 * The one place the version is written: the Makefile reads these three
 * numbers for the shared library's file name and soname, the pkg-config
 * file and the man page. MAJOR changes whenever the ABI breaks (a public
 * struct's size or layout, a removed function, a changed signature); it is
 * the number in the soname, libroam_shm.so.MAJOR.
 */
#ifndef ROAM_VERSION_H
#define ROAM_VERSION_H

#define ROAM_SHM_VERSION_MAJOR 0
#define ROAM_SHM_VERSION_MINOR 1
#define ROAM_SHM_VERSION_PATCH 0

/* "MAJOR.MINOR.PATCH" of the headers being compiled against. */
#define ROAM_SHM_VERSION_STRING                                                          \
    ROAM__VERSION_STR(ROAM_SHM_VERSION_MAJOR)                                            \
    "." ROAM__VERSION_STR(ROAM_SHM_VERSION_MINOR) "." ROAM__VERSION_STR(ROAM_SHM_VERSION_PATCH)
#define ROAM__VERSION_STR(x) ROAM__VERSION_STR2(x)
#define ROAM__VERSION_STR2(x) #x

/* The headers' version as one number, (MAJOR << 16) | (MINOR << 8) | PATCH,
 * for comparisons in #if. */
#define ROAM_SHM_VERSION_HEX                                                             \
    ((ROAM_SHM_VERSION_MAJOR << 16) | (ROAM_SHM_VERSION_MINOR << 8) | ROAM_SHM_VERSION_PATCH)

#ifdef __cplusplus
extern "C" {
#endif
#if defined(__GNUC__)
#pragma GCC visibility push(default)
#endif

/* The version of the library linked at run time, as ROAM_SHM_VERSION_HEX
 * and as "MAJOR.MINOR.PATCH": with a shared library it may be newer than
 * the headers a program was compiled with. */
unsigned roam_shm_version(void);
const char *roam_shm_version_string(void);

#if defined(__GNUC__)
#pragma GCC visibility pop
#endif
#ifdef __cplusplus
}
#endif

#endif /* ROAM_VERSION_H */
