#ifndef PROVISOR_CLIBGIT2_SHIM_H
#define PROVISOR_CLIBGIT2_SHIM_H
#include <git2.h>
#endif
