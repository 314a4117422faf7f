// Only the header matters: this target declares LLVMFuzzerRunDriver for Swift.
#include "CFuzzDriver.h"
