package stix

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/vigie-project/vigie/internal/indicator"
)

// writeBundle writes a STIX bundle of n indicators of mixed types (SHA-256,
// MD5, domain, URL, IPv4, e-mail), each with the properties OpenCTI and
// MISP exports carry: creator, TLP marking, labels, validity, confidence.
func writeBundle(w io.Writer, n int) {
	fmt.Fprint(w, `{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d","objects":[`)
	fmt.Fprint(w, `{"type":"identity","spec_version":"2.1","id":"identity--f431f809-377b-45e0-aa1c-6a4751cae5ff","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","name":"CERT-Test","identity_class":"organization"}`)
	for i := 0; i < n; i++ {
		var pattern string
		switch i % 6 {
		case 0:
			pattern = fmt.Sprintf("[file:hashes.'SHA-256' = '%064x']", i)
		case 1:
			pattern = fmt.Sprintf("[file:hashes.MD5 = '%032x']", i)
		case 2:
			pattern = fmt.Sprintf("[domain-name:value = 'host%d.evil-example.com']", i)
		case 3:
			pattern = fmt.Sprintf("[url:value = 'http://phish%d.example.net/login.php?id=%d']", i, i)
		case 4:
			pattern = fmt.Sprintf("[ipv4-addr:value = '10.%d.%d.%d']", i>>16&255, i>>8&255, i&255)
		case 5:
			pattern = fmt.Sprintf("[email-addr:value = 'sender%d@spoof-example.org']", i)
		}
		fmt.Fprintf(w, `,
{"type":"indicator","spec_version":"2.1","id":"indicator--%08x-0000-4000-8000-%012x","created_by_ref":"identity--f431f809-377b-45e0-aa1c-6a4751cae5ff","created":"2024-03-01T10:00:00.000Z","modified":"2024-03-01T10:00:00.000Z","name":"IOC %d","pattern":%q,"pattern_type":"stix","pattern_version":"2.1","valid_from":"2024-03-01T10:00:00Z","labels":["malicious-activity"],"confidence":80,"object_marking_refs":["marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"]}`, i, i, i, pattern)
	}
	fmt.Fprint(w, "\n]}\n")
}

// BenchmarkDecode1M decodes a bundle of 1,000,000 indicators and reports
// the heap in use after the read (the Collection) and the peak heap seen
// by a sampler during it. Run with -bench=Decode1M -benchtime=1x.
func BenchmarkDecode1M(b *testing.B) {
	n := 1_000_000
	if s := os.Getenv("VIGIE_BENCH_N"); s != "" {
		n, _ = strconv.Atoi(s) // for profiling on a smaller bundle
	}
	var buf bytes.Buffer
	writeBundle(&buf, n)
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		runtime.GC()
		var base runtime.MemStats
		runtime.ReadMemStats(&base)
		stop := make(chan struct{})
		peak := make(chan uint64)
		go func() {
			var m runtime.MemStats
			var max uint64
			t := time.NewTicker(20 * time.Millisecond)
			defer t.Stop()
			for {
				select {
				case <-stop:
					peak <- max
					return
				case <-t.C:
					runtime.ReadMemStats(&m)
					if m.HeapInuse > max {
						max = m.HeapInuse
					}
				}
			}
		}()
		cpu0 := cpuTime()
		c, err := Decode(bytes.NewReader(data), indicator.ReadOptions{Name: "bench"})
		cpu := cpuTime() - cpu0
		close(stop)
		max := <-peak
		if err != nil {
			b.Fatal(err)
		}
		if len(c.Indicators) != n {
			b.Fatalf("%d indicators", len(c.Indicators))
		}
		runtime.GC()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		b.ReportMetric(cpu.Seconds(), "cpu-s")
		b.ReportMetric(float64(after.HeapAlloc-base.HeapAlloc)/(1<<20), "MiB-live")
		b.ReportMetric(float64(max-base.HeapInuse)/(1<<20), "MiB-peak-heap")
		runtime.KeepAlive(c)
	}
}

// BenchmarkEncode writes 100,000 indicators.
func BenchmarkEncode(b *testing.B) {
	var buf bytes.Buffer
	writeBundle(&buf, 100_000)
	c, err := Decode(&buf, indicator.ReadOptions{Name: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := Encode(io.Discard, c, EncodeOptions{Now: time.Unix(0, 0)}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestDecodeLargeFile measures a decode in a process of its own, for
// /usr/bin/time -v (peak RSS):
//
//	go test -c -o /tmp/stix.test ./internal/indicator/stix
//	VIGIE_STIX_GEN=/tmp/1m.json /tmp/stix.test -test.run=TestDecodeLargeFile      # writes the bundle
//	VIGIE_STIX_FILE=/tmp/1m.json /usr/bin/time -v /tmp/stix.test -test.run=TestDecodeLargeFile -test.v
func TestDecodeLargeFile(t *testing.T) {
	if out := os.Getenv("VIGIE_STIX_GEN"); out != "" {
		f, err := os.Create(out)
		if err != nil {
			t.Fatal(err)
		}
		w := bufio.NewWriter(f)
		writeBundle(w, 1_000_000)
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		return
	}
	name := os.Getenv("VIGIE_STIX_FILE")
	if name == "" {
		t.Skip("set VIGIE_STIX_FILE (or VIGIE_STIX_GEN) to run")
	}
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	start, cpu0 := time.Now(), cpuTime()
	c, err := Decode(f, indicator.ReadOptions{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	t.Logf("%d indicators in %v (%v CPU), %d GC cycles, heap in use %d MiB", len(c.Indicators), time.Since(start).Round(time.Millisecond), (cpuTime() - cpu0).Round(time.Millisecond), m.NumGC, m.HeapInuse>>20)
}
