#ifndef OGF_CSUPPORT_H
#define OGF_CSUPPORT_H
#include <spawn.h>

// glibc declares posix_spawn_file_actions_addchdir_np only under _GNU_SOURCE, which Swift's
// Glibc module does not define; this wrapper makes it callable.
int ogf_spawn_addchdir(posix_spawn_file_actions_t *actions, const char *path);

#endif
