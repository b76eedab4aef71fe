// The fault's listener first, then the real entry's: both added in one synchronous evaluation, before any message is delivered.
import './fault-arming.js'
import '../../src/engine/thread-main.js'
