package mail

import (
	"image"
	"strings"
	"testing"
)

// Benchmarks of the scans run on the text of every message (a 20 KB
// newsletter body without a forward marker: the common case, where the
// whole text is read) and of the QR decoder's picture conversion.

var benchBody = strings.Repeat("Bonjour à tous, le programme du meeting est en ligne : https://www.example.org/agenda?id=42 — merci de relayer. ", 180)

func BenchmarkForwardedSender(b *testing.B) {
	b.SetBytes(int64(len(benchBody)))
	for b.Loop() {
		forwardedSender("Compte rendu", benchBody)
	}
}

func BenchmarkTextLinks(b *testing.B) {
	b.SetBytes(int64(len(benchBody)))
	b.ReportAllocs()
	for b.Loop() {
		var d htmlDoc
		textLinks(benchBody, "1", &d)
	}
}

func BenchmarkWithoutURLs(b *testing.B) {
	b.SetBytes(int64(len(benchBody)))
	for b.Loop() {
		withoutURLs(benchBody)
	}
}

func BenchmarkMixedScriptWords(b *testing.B) {
	b.SetBytes(int64(len(benchBody)))
	for b.Loop() {
		mixedScriptWords(benchBody)
	}
}

func BenchmarkLuminanceSource(b *testing.B) {
	img := image.NewYCbCr(image.Rect(0, 0, 600, 600), image.YCbCrSubsampleRatio420)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := luminanceSource(img); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkForwardRegexp and BenchmarkTextLinksRegexp are the regular
// expressions the scans replaced, on the same text, for comparison.
func BenchmarkForwardRegexp(b *testing.B) {
	b.SetBytes(int64(len(benchBody)))
	for b.Loop() {
		if refForwardMarker.FindStringIndex(benchBody) == nil {
			refForwardFrom.FindStringSubmatch(benchBody)
		}
	}
}

func BenchmarkTextLinksRegexp(b *testing.B) {
	b.SetBytes(int64(len(benchBody)))
	for b.Loop() {
		refTextURL.FindAllString(benchBody, maxLinks+1)
	}
}
