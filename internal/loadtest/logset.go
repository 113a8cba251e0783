package loadtest

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// logLine is one line of the generated log set of the peer comparison.
type logLine struct {
	proc   int
	t      time.Time
	level  int // 2 error, 3 warn, 4 info, 5 debug (Micromegas levels)
	target string
	msg    string
}

var (
	peerTargets = []string{"app/http", "app/db", "app/cache", "app/auth", "app/queue", "app/render"}
	levelNames  = map[int]string{2: "error", 3: "warn", 4: "info", 5: "debug"}
)

// logSet is a realistic, reproducible set of log lines: procs processes
// logging for the day before end, several targets and levels, messages
// made of a few templates with numbers.
type logSet struct {
	procs, perProc int
	end            time.Time
}

// Lines returns the lines of process p in time order.
func (s logSet) lines(p int) []logLine {
	rng := rand.New(rand.NewPCG(uint64(p)+1, 0x10c5e7))
	start := s.end.Add(-24 * time.Hour)
	step := 24 * time.Hour / time.Duration(s.perProc)
	out := make([]logLine, s.perProc)
	for i := range out {
		l := logLine{proc: p, t: start.Add(time.Duration(i)*step + time.Duration(rng.Int64N(int64(step))))}
		r := rng.IntN(100)
		switch {
		case r < 3:
			l.level = 2
		case r < 15:
			l.level = 3
		case r < 97:
			l.level = 4
		default:
			l.level = 5
		}
		l.target = peerTargets[rng.IntN(len(peerTargets))]
		n, m := rng.IntN(100000), rng.IntN(2000)
		switch rng.IntN(5) {
		case 0:
			l.msg = fmt.Sprintf("request %d served in %d us", n, m)
		case 1:
			l.msg = fmt.Sprintf("cache miss for key user:%d (%d bytes)", n, m)
		case 2:
			l.msg = fmt.Sprintf("slow query %d took %d ms", n, m)
		case 3:
			l.msg = fmt.Sprintf("connection %d reset by peer after %d s", n, m)
		default:
			l.msg = fmt.Sprintf("retrying job %d, attempt %d", n, m%7)
		}
		out[i] = l
	}
	return out
}
