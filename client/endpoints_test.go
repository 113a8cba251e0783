package client_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/flight"
	arrowflightsql "github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"

	"github.com/micromegas-go/micromegas/client"
)

var partSchema = arrow.NewSchema([]arrow.Field{{Name: "n", Type: arrow.PrimitiveTypes.Int64}}, nil)

// partsServer answers every statement with one endpoint per part; part i
// holds the rows 10*i .. 10*i+9. When remote is set, the last endpoint is
// located there instead of on this server.
type partsServer struct {
	arrowflightsql.BaseServer
	parts  int
	remote string
}

func (s *partsServer) GetFlightInfoStatement(_ context.Context, _ arrowflightsql.StatementQuery, desc *flight.FlightDescriptor) (*flight.FlightInfo, error) {
	info := &flight.FlightInfo{FlightDescriptor: desc, TotalRecords: -1, TotalBytes: -1}
	for i := range s.parts {
		raw, err := arrowflightsql.CreateStatementQueryTicket([]byte(strconv.Itoa(i)))
		if err != nil {
			return nil, err
		}
		ep := &flight.FlightEndpoint{Ticket: &flight.Ticket{Ticket: raw}}
		switch {
		case i == s.parts-1 && s.remote != "":
			ep.Location = []*flight.Location{{Uri: s.remote}}
		case i == 0:
			ep.Location = []*flight.Location{{Uri: "arrow-flight-reuse-connection://?"}}
		}
		info.Endpoint = append(info.Endpoint, ep)
	}
	return info, nil
}

func (s *partsServer) DoGetStatement(_ context.Context, t arrowflightsql.StatementQueryTicket) (*arrow.Schema, <-chan flight.StreamChunk, error) {
	i, err := strconv.Atoi(string(t.GetStatementHandle()))
	if err != nil {
		return nil, nil, err
	}
	b := array.NewInt64Builder(memory.DefaultAllocator)
	defer b.Release()
	for j := range 10 {
		b.Append(int64(10*i + j))
	}
	col := b.NewArray()
	defer col.Release()
	ch := make(chan flight.StreamChunk, 1)
	ch <- flight.StreamChunk{Data: array.NewRecordBatch(partSchema, []arrow.Array{col}, 10)}
	close(ch)
	return partSchema, ch, nil
}

// serveParts runs srv on 127.0.0.1:0, with TLS when cert is not nil.
func serveParts(t *testing.T, srv *partsServer, cert *tls.Certificate) string {
	t.Helper()
	var opts []grpc.ServerOption
	if cert != nil {
		opts = append(opts, grpc.Creds(credentials.NewServerTLSFromCert(cert)))
	}
	g := grpc.NewServer(opts...)
	flight.RegisterFlightServiceServer(g, arrowflightsql.NewFlightServer(srv))
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = g.Serve(lis)
	}()
	t.Cleanup(func() {
		g.Stop()
		<-done
	})
	return lis.Addr().String()
}

// selfSigned returns a certificate for 127.0.0.1 and a pool trusting it.
func selfSigned(t *testing.T) (*tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "micromegas test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:         true,

		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return &tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

func TestMultipleEndpoints(t *testing.T) {
	cert, pool := selfSigned(t)
	tests := []struct {
		name   string
		tls    bool
		scheme string
	}{
		{"plaintext", false, "grpc+tcp://"},
		{"tls", true, "grpc+tls://"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c *tls.Certificate
			var opts []client.Option
			if tt.tls {
				c = cert
				opts = append(opts, client.WithTLS(&tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}))
			}
			remote := serveParts(t, &partsServer{parts: 4}, c)
			main := serveParts(t, &partsServer{parts: 3, remote: tt.scheme + remote}, c)
			cl := dial(t, tt.scheme+main, opts...)
			schema, recs, err := cl.QueryAll(context.Background(), "SELECT parts", client.TimeRange{})
			if err != nil {
				t.Fatal(err)
			}
			defer release(recs)
			if !schema.Equal(partSchema) {
				t.Errorf("schema = %s", schema)
			}
			var got []int64
			for _, r := range recs {
				got = append(got, r.Column(0).(*array.Int64).Int64Values()...)
			}
			if len(got) != 30 {
				t.Fatalf("got %d rows, want 30 from 3 endpoints", len(got))
			}
			// Endpoints are read in order; the last one from the remote server.
			for i, v := range got {
				if v != int64(i) {
					t.Fatalf("row %d = %d; rows %v", i, v, got)
				}
			}
		})
	}
	t.Run("tls server, plaintext client", func(t *testing.T) {
		addr := serveParts(t, &partsServer{parts: 1}, cert)
		_, _, err := dial(t, addr).QueryAll(context.Background(), "SELECT parts", client.TimeRange{})
		if err == nil {
			t.Fatal("a plaintext client read from a TLS server")
		}
	})
	t.Run("no endpoints", func(t *testing.T) {
		addr := serveParts(t, &partsServer{parts: 0}, nil)
		schema, recs, err := dial(t, addr).QueryAll(context.Background(), "SELECT parts", client.TimeRange{})
		if err != nil || len(recs) != 0 || schema == nil {
			t.Fatalf("got schema %v, %d batches, err %v; want an empty result", schema, len(recs), err)
		}
	})
}
