package ui

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
)

// TestAssets checks that the embedded build has its page and every file
// the page loads.
func TestAssets(t *testing.T) {
	a := Assets()
	index, err := fs.ReadFile(a, "index.html")
	if err != nil {
		t.Fatalf("index.html is not embedded: %v (run npm run build in ui/)", err)
	}
	refs := regexp.MustCompile(`(?:src|href)="/(assets/[^"]+)"`).FindAllSubmatch(index, -1)
	if len(refs) < 2 {
		t.Fatalf("index.html loads %d assets; want the script and the styles:\n%s", len(refs), index)
	}
	for _, r := range refs {
		if _, err := fs.Stat(a, string(r[1])); err != nil {
			t.Errorf("index.html loads %s, which is not embedded: %v", r[1], err)
		}
	}
}

// TestBuildUpToDate builds ui/src again and compares it with the
// committed ui/dist, which the binary embeds.
func TestBuildUpToDate(t *testing.T) {
	vite := requireNodeModule(t, "vite/bin/vite.js")
	out := t.TempDir()
	cmd := exec.Command("node", vite, "build", "--outDir", out, "--emptyOutDir", "--logLevel", "warn")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("vite build: %v\n%s", err, b)
	}
	fresh := os.DirFS(out)
	committed := Assets()
	seen := map[string]bool{}
	fs.WalkDir(fresh, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		seen[p] = true
		want, _ := fs.ReadFile(fresh, p)
		got, err := fs.ReadFile(committed, p)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("ui/dist/%s is missing or stale: run 'npm run build' in ui/ and commit ui/dist", p)
		}
		return nil
	})
	fs.WalkDir(committed, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !seen[p] {
			t.Errorf("ui/dist/%s is not built from ui/src any more: run 'npm run build' in ui/ and commit ui/dist", p)
		}
		return err
	})
}

// TestUnit runs the Vitest unit tests of the UI's data shaping.
func TestUnit(t *testing.T) {
	vitest := requireNodeModule(t, "vitest/vitest.mjs")
	cmd := exec.Command("node", vitest, "run", "--reporter=dot")
	out, err := cmd.CombinedOutput()
	t.Logf("%s", out)
	if err != nil {
		t.Fatalf("vitest: %v", err)
	}
}

func requireNodeModule(t *testing.T, p string) string {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatal("node is missing: install Node.js 20, then run scripts/testdeps.sh")
	}
	full := filepath.Join("node_modules", p)
	if _, err := os.Stat(full); err != nil {
		t.Fatalf("%s is missing: run scripts/testdeps.sh (npm ci in ui/)", full)
	}
	return full
}
