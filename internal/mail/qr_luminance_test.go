package mail

import (
	"image"
	"image/color"
	"math/rand/v2"
	"testing"

	"github.com/makiuchi-d/gozxing"
)

// TestLuminanceSourceAsGozxing checks that the grey levels handed to the
// QR decoder are gozxing's own, for each picture type read directly.
func TestLuminanceSourceAsGozxing(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	r := image.Rect(3, 5, 40, 31)
	rgba := image.NewRGBA(r)
	nrgba := image.NewNRGBA(r)
	gray := image.NewGray(r)
	ycc := image.NewYCbCr(r, image.YCbCrSubsampleRatio420)
	pal := image.NewPaletted(r, color.Palette{color.Black, color.White, color.NRGBA{10, 200, 30, 128}, color.Transparent})
	cmyk := image.NewCMYK(r)
	for _, b := range [][]byte{rgba.Pix, nrgba.Pix, gray.Pix, ycc.Y, ycc.Cb, ycc.Cr, cmyk.Pix} {
		for i := range b {
			b[i] = byte(rng.IntN(256))
		}
	}
	for i := range rgba.Pix { // premultiplied: colour ≤ alpha
		if i%4 != 3 {
			rgba.Pix[i] = min(rgba.Pix[i], rgba.Pix[i-i%4+3])
		}
	}
	for i := range pal.Pix {
		pal.Pix[i] = byte(rng.IntN(4))
	}
	for _, img := range []image.Image{rgba, nrgba, gray, ycc, pal, cmyk} {
		want := gozxing.NewLuminanceSourceFromImage(img).GetMatrix()
		src, err := luminanceSource(img)
		if err != nil {
			t.Fatalf("%T: %v", img, err)
		}
		got := src.GetMatrix()
		if string(got) != string(want) {
			t.Errorf("%T: grey levels differ from gozxing's", img)
		}
	}
	pal.Pix[7] = 9
	if _, err := luminanceSource(pal); err == nil {
		t.Error("a colour index beyond the palette was accepted")
	}
}
