//go:build !race

package telemetry

// acquireShard returns the shard of the current P, pinned: until
// releaseShard, this goroutine is the only one that can touch it. When the
// P's id is beyond the shards made at Init (GOMAXPROCS grew), the overflow
// shard is locked instead.
func (sys *system) acquireShard() (*shard, int) {
	pid := procPin()
	if pid < len(sys.shards) {
		return &sys.shards[pid], pid
	}
	procUnpin()
	sys.overflow.mu.Lock()
	return &sys.overflow, -1
}

// releaseShard ends acquireShard.
func (sys *system) releaseShard(pid int) {
	if pid >= 0 {
		procUnpin()
		return
	}
	sys.overflow.mu.Unlock()
}
