package inventory

// sdkCallStack is about the stack an AWS SDK call reaches: its middleware
// chain is some eighty frames deep.
const sdkCallStack = 16 << 10

// GrowStack grows the calling goroutine's stack at once to what an AWS SDK
// call needs. A new goroutine starts with a few KiB and doubles its stack
// each time a call's middleware chain outgrows it, copying every frame each
// time; called first thing in a goroutine that makes AWS calls, it does the
// growth in one copy of a shallow stack.
//
//go:noinline
func GrowStack() {
	var frame [sdkCallStack]byte
	keepFrame(frame[:])
}

// keepFrame keeps GrowStack's frame from being optimised away.
//
//go:noinline
func keepFrame([]byte) {}
