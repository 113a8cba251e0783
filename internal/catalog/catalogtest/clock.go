package catalogtest

import (
	"sync"
	"time"
)

// Clock is a settable clock for stores under test: it reads the real time
// until Set is called.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// Now returns the time last Set, or the real time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.t.IsZero() {
		return time.Now()
	}
	return c.t
}

// Set makes Now return t (the real time again when t is zero).
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}
