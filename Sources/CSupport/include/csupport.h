#ifndef OGF_CSUPPORT_H
#define OGF_CSUPPORT_H
#include <spawn.h>

// glibc declares posix_spawn_file_actions_addchdir_np only under _GNU_SOURCE, which Swift's
// Glibc module does not define; this wrapper makes it callable.
int ogf_spawn_addchdir(posix_spawn_file_actions_t *actions, const char *path);

// Close every descriptor from `lowfd` up in the child (glibc 2.34+): commands inherit only
// stdin, stdout and stderr, never ogf's lock, journal or its parent's pipes.
int ogf_spawn_addclosefrom(posix_spawn_file_actions_t *actions, int lowfd);

// pipe2(O_CLOEXEC), likewise hidden behind _GNU_SOURCE: both ends close-on-exec atomically.
int ogf_pipe_cloexec(int fds[2]);

#endif
