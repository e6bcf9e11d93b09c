#ifndef PROVISOR_CPROCESS_H
#define PROVISOR_CPROCESS_H

#include <spawn.h>

/// posix_spawn_file_actions_addchdir_np: the child starts in `path` (glibc 2.29 and later).
int provisor_spawn_addchdir(posix_spawn_file_actions_t *actions, const char *path);

/// posix_spawn_file_actions_addclosefrom_np: every descriptor from `from` up is closed in the
/// child (glibc 2.34 and later).
int provisor_spawn_addclosefrom(posix_spawn_file_actions_t *actions, int from);

/// pipe2(fds, O_CLOEXEC): both ends closed on exec from the moment they exist.
int provisor_pipe_cloexec(int fds[2]);

#endif
