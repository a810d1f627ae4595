// Forwards to FTGO's messages and endpoints (saga::ftgo, examples/ftgo): for tools/sagactl,
// whose built-in Create Order diagram includes this file. Defines nothing.
#pragma once

#include "ftgo/channels.h"
#include "ftgo/messages.h"
