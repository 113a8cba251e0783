package loadtest

import (
	"context"
	"fmt"
	"time"
)

// restartDelay is how long a killed node stays down.
const restartDelay = 2 * time.Second

// injectFaults runs the four faults one after the other, the first at 10%
// of the load, each followed by recovery, the daemon's catch-up and a
// check.
func (h *harness) injectFaults(ctx context.Context, loadStart time.Time) []FaultResult {
	faults := []struct {
		name string
		run  func(ctx context.Context, r *FaultResult) error
	}{
		{"kill -9 ingestion", h.killIngestion},
		{"kill -9 analytics mid-query", h.killAnalytics},
		{fmt.Sprintf("SeaweedFS stopped %.0f s", h.cfg.S3Outage.Seconds()), h.stopS3},
		{"PostgreSQL restart", h.restartPostgres},
	}
	var out []FaultResult
	for i, f := range faults {
		at := loadStart.Add(h.cfg.Duration * time.Duration(i+1) / 10)
		if i == 3 { // after the outage
			at = time.Now().Add(2 * time.Second)
		}
		select {
		case <-ctx.Done():
			return out
		case <-time.After(time.Until(at)):
		}
		h.log("fault: %s", f.name)
		r := FaultResult{Name: f.name}
		if err := f.run(ctx, &r); err != nil {
			r.Err = err.Error()
			h.log("fault %s: %v", f.name, err)
		}
		ended := time.Now()
		if err := h.allReady(ctx); err != nil && r.Err == "" {
			r.Err = err.Error()
		}
		r.RecoverySeconds = time.Since(ended).Seconds() + r.DownSeconds
		// Caught up: the partitions reach the moment every node was ready.
		d, err := h.waitMaterialized(ctx, time.Now())
		r.CatchUpSeconds = d.Seconds()
		if err != nil && r.Err == "" {
			r.Err = err.Error()
		}
		r.Check = h.settleAndCheck(ctx, "after "+f.name)
		out = append(out, r)
	}
	return out
}

// allReady waits (up to 2 min) until every node answers /ready.
func (h *harness) allReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	for _, n := range h.nodes {
		if err := n.ready(ctx); err != nil {
			return err
		}
	}
	return nil
}

func (h *harness) killIngestion(ctx context.Context, r *FaultResult) error {
	n := h.byRole("ingestion")[0]
	n.kill()
	h.updateBackends()
	down := time.Now()
	time.Sleep(restartDelay)
	err := n.start()
	r.DownSeconds = time.Since(down).Seconds()
	h.updateBackends()
	return err
}

func (h *harness) killAnalytics(ctx context.Context, r *FaultResult) error {
	victim, survivor := h.queriers[0], h.queriers[1]
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := victim.waitInFlight(wctx); err != nil {
		return err
	}
	answered := survivor.answered()
	victim.node.kill()
	down := time.Now()
	time.Sleep(restartDelay)
	err := victim.node.start()
	if err == nil {
		rctx, cancel := context.WithTimeout(ctx, time.Minute)
		err = victim.node.ready(rctx)
		cancel()
	}
	r.DownSeconds = time.Since(down).Seconds()
	r.SurvivorAnswered = survivor.answered() - answered
	r.SurvivorErrors = survivor.errorsBetween(down, time.Now())
	if r.SurvivorAnswered == 0 {
		return fmt.Errorf("the surviving analytics node answered no query while %s was down", victim.node.name)
	}
	return err
}

func (h *harness) stopS3(ctx context.Context, r *FaultResult) error {
	h.weed.Stop()
	down := time.Now()
	select {
	case <-ctx.Done():
	case <-time.After(h.cfg.S3Outage):
	}
	w, err := h.weed.Restart()
	r.DownSeconds = time.Since(down).Seconds()
	if err != nil {
		return err
	}
	h.weed = w
	return nil
}

func (h *harness) restartPostgres(ctx context.Context, r *FaultResult) error {
	start := time.Now()
	err := h.pg.Restart(ctx)
	r.DownSeconds = time.Since(start).Seconds()
	return err
}
