package s3test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// startTimeout bounds the start of weed mini (about 5 s on an idle
// 2-core machine) and bucket creation.
const startTimeout = 90 * time.Second

// Server is a running `weed mini`.
type Server struct {
	dir      string
	s3Port   int
	ports    []int // of every weed service, for Restart
	cmd      *exec.Cmd
	done     chan struct{} // closed when the process has exited
	waitErr  error
	client   *s3.Client
	suffix   string
	stopOnce sync.Once

	mu      sync.Mutex
	buckets int
}

// StartServer starts `weed mini` bound to 127.0.0.1 only, with its data in
// a temporary folder and the bucket Bucket, waits until S3 answers, sets the
// AWS environment (SetEnv) and stops the server when t ends. It fails the
// test when the binary is missing or the server does not start.
func StartServer(t testing.TB) *Server {
	t.Helper()
	bin, err := Binary()
	if err != nil {
		t.Fatal(err)
	}
	SetEnv(t)
	var lastErr error
	for range 3 { // a port taken between our check and weed's bind: retry
		s, err := start(t, bin)
		if err == nil {
			t.Cleanup(s.Stop)
			return s
		}
		lastErr = err
		if !strings.Contains(err.Error(), "not available") && !strings.Contains(err.Error(), "address already in use") {
			break
		}
	}
	t.Fatalf("s3test: %v", lastErr)
	return nil
}

func start(t testing.TB, bin string) (*Server, error) {
	dir, err := os.MkdirTemp("", "micromegas-weed-")
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	ports, err := freePorts(10)
	if err != nil {
		return nil, err
	}
	return launch(bin, dir, ports)
}

// Run starts `weed mini` as StartServer does, with its data in dir, for
// programs that are not tests (the load harness, cmd/micromegas-loadtest,
// which stops it and starts it again). The caller stops it and removes
// dir; the AWS environment of the processes that use it is Env().
func Run(dir string) (*Server, error) {
	bin, err := Binary()
	if err != nil {
		return nil, err
	}
	ports, err := freePorts(10)
	if err != nil {
		return nil, err
	}
	return launch(bin, dir, ports)
}

// Restart starts a stopped server again, on the same folder and ports, so
// the URI its clients hold stays valid.
func (s *Server) Restart() (*Server, error) {
	s.Stop()
	bin, err := Binary()
	if err != nil {
		return nil, err
	}
	return launch(bin, s.dir, s.ports)
}

func launch(bin, dir string, ports []int) (*Server, error) {
	p := func(i int) string { return strconv.Itoa(ports[i]) }
	args := []string{"mini",
		"-dir=" + dir, "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
		"-master.telemetry=false", "-webdav=false", "-admin.ui=false",
		"-bucket=" + Bucket,
		"-master.port=" + p(0), "-master.port.grpc=" + p(1),
		"-volume.port=" + p(2), "-volume.port.grpc=" + p(3),
		"-filer.port=" + p(4), "-filer.port.grpc=" + p(5),
		"-s3.port=" + p(6), "-s3.port.grpc=" + p(7),
		"-admin.port=" + p(8), "-admin.port.grpc=" + p(9), "-admin.port.legacy=0",
		"-s3.port.iceberg=0", "-s3.port.lance=0",
		"-filer.localSocket=" + filepath.Join(dir, "filer.sock"),
		"-s3.localSocket=" + filepath.Join(dir, "s3.sock"),
	}
	logPath := filepath.Join(dir, "weed.log")
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID="+AccessKeyID, "AWS_SECRET_ACCESS_KEY="+SecretAccessKey)
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	s := &Server{dir: dir, s3Port: ports[6], ports: ports, cmd: cmd, done: make(chan struct{}),
		suffix: strconv.FormatUint(rand.Uint64()%1e9, 36)}
	go func() { s.waitErr = cmd.Wait(); close(s.done) }()
	s.client = s3.New(s3.Options{
		BaseEndpoint: aws.String(s.Endpoint()),
		Region:       Region,
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider(AccessKeyID, SecretAccessKey, ""),
	})
	if err := s.waitReady(); err != nil {
		s.Stop()
		log, _ := os.ReadFile(logPath)
		return nil, fmt.Errorf("weed mini (%s): %w\n--- last lines of its log:\n%s", strings.Join(args, " "), err, tail(log, 30))
	}
	return s, nil
}

// waitReady polls the bucket until S3 answers for it.
func (s *Server) waitReady() error {
	deadline := time.Now().Add(startTimeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_, err := s.client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(Bucket)})
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-s.done:
			return fmt.Errorf("%w: %v", errExited, s.waitErr)
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("S3 did not answer on %s within %s: %v", s.Endpoint(), startTimeout, err)
		}
	}
}

func (s *Server) createBucket(ctx context.Context, name string) error {
	_, err := s.client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)})
	return err
}

// Endpoint is the S3 endpoint, http://127.0.0.1:PORT.
func (s *Server) Endpoint() string { return "http://127.0.0.1:" + strconv.Itoa(s.s3Port) }

// Dir is the folder holding the server's data and its log (weed.log).
func (s *Server) Dir() string { return s.dir }

// Stop stops the server (SIGTERM, then SIGKILL after 10 s) and waits for
// it to exit. Tests call it to simulate an object store going down; it is
// idempotent and also runs when the test ends.
func (s *Server) Stop() {
	s.stopOnce.Do(func() {
		pgid := -s.cmd.Process.Pid
		syscall.Kill(pgid, syscall.SIGTERM)
		select {
		case <-s.done:
		case <-time.After(10 * time.Second):
			syscall.Kill(pgid, syscall.SIGKILL)
			<-s.done
		}
	})
}

// freePorts returns n distinct ports that are free on 127.0.0.1, below the
// Linux ephemeral range (weed derives nothing from them, and outgoing
// connections never take them).
func freePorts(n int) ([]int, error) {
	seen := map[int]bool{}
	var ports []int
	for tries := 0; len(ports) < n; tries++ {
		if tries > 1000 {
			return nil, errors.New("no free ports between 20000 and 32000 on 127.0.0.1")
		}
		p := 20000 + rand.IntN(12000)
		if seen[p] {
			continue
		}
		seen[p] = true
		l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
		if err != nil {
			continue
		}
		l.Close()
		ports = append(ports, p)
	}
	return ports, nil
}

func tail(b []byte, lines int) string {
	parts := bytes.Split(bytes.TrimRight(b, "\n"), []byte("\n"))
	if len(parts) > lines {
		parts = parts[len(parts)-lines:]
	}
	return string(bytes.Join(parts, []byte("\n")))
}
