package buildtag

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestBuildWithoutTagNamesIt builds the micromegas command without the
// duckdb_arrow tag, as a newcomer's first `go build ./cmd/micromegas`
// does, and checks that the error says to add the tag.
func TestBuildWithoutTagNamesIt(t *testing.T) {
	args := append([]string{"build", "-o", os.DevNull}, raceFlags...)
	cmd := exec.Command("go", append(args, "github.com/micromegas-go/micromegas/cmd/micromegas")...)
	// GOFLAGS of `make test` carries the tag: this build must not.
	cmd.Env = append(os.Environ(), "GOFLAGS=-buildvcs=false")
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("go build without -tags duckdb_arrow succeeded:\n%s", out)
	}
	msg := string(out)
	if !strings.Contains(msg, "needs the build tag duckdb_arrow: go build -tags duckdb_arrow ./cmd/micromegas (or make build)") {
		t.Errorf("the error does not say to add the tag:\n%s", msg)
	}
	if strings.Contains(msg, "build constraints exclude all Go files") {
		t.Errorf("the error still has Go's message about arrowmapping:\n%s", msg)
	}
}
