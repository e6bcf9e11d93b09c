#ifndef PROVISOR_CLIBYAML_SHIM_H
#define PROVISOR_CLIBYAML_SHIM_H
#include <yaml.h>
#endif
