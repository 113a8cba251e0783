//go:build race

package telemetry

// Under the race detector the shard of a P is also locked: the detector
// does not know that pinning excludes other goroutines from the P, and
// with the lock it checks everything else.

func (sys *system) acquireShard() (*shard, int) {
	pid := procPin()
	procUnpin()
	if pid < len(sys.shards) {
		sys.shards[pid].mu.Lock()
		return &sys.shards[pid], pid
	}
	sys.overflow.mu.Lock()
	return &sys.overflow, -1
}

func (sys *system) releaseShard(pid int) {
	if pid >= 0 {
		sys.shards[pid].mu.Unlock()
		return
	}
	sys.overflow.mu.Unlock()
}
