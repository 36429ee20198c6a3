package pe

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/binary"
	"math/big"
	"testing"
	"time"
	"unicode/utf16"
)

// peSpec describes a synthetic PE for tests. The builder lays out headers
// (0x400 bytes), .text (RVA 0x1000), .rdata (RVA 0x2000: imports, delayed
// imports, exports, debug) and .rsrc (RVA 0x4000), then the certificate
// table and an overlay.
type peSpec struct {
	is64      bool
	dll       bool
	rich      bool
	imports   []testImport
	delayed   []testImport
	exports   []string // names; ordinals are Base(1)+index
	forwarder string   // if set, the last export forwards to it
	pdb       string
	version   map[string]string // StringFileInfo strings ("" → no VERSIONINFO)
	cert      []byte            // WIN_CERTIFICATE payload (PKCS#7 DER); nil → none
	overlay   []byte
}

type testImport struct {
	dll   string
	funcs []string // "#N" imports ordinal N
}

type buf struct{ b []byte }

func (w *buf) at(off int) []byte {
	for len(w.b) < off+64 {
		w.b = append(w.b, make([]byte, 4096)...)
	}
	return w.b[off:]
}
func (w *buf) u16(off int, v uint16) { binary.LittleEndian.PutUint16(w.at(off), v) }
func (w *buf) u32(off int, v uint32) { binary.LittleEndian.PutUint32(w.at(off), v) }
func (w *buf) u64(off int, v uint64) { binary.LittleEndian.PutUint64(w.at(off), v) }
func (w *buf) str(off int, s string) { w.at(off + len(s)); copy(w.b[off:], s); w.b[off+len(s)] = 0 }

const (
	textRVA, textRaw, textSize    = 0x1000, 0x400, 0x200
	rdataRVA, rdataRaw, rdataSize = 0x2000, 0x600, 0x1800
	rsrcRVA, rsrcRaw, rsrcSize    = 0x4000, 0x1e00, 0x800
)

func buildPE(t testing.TB, s peSpec) []byte {
	t.Helper()
	w := &buf{}
	w.str(0, "MZ")
	const lfanew = 0x100
	w.u32(0x3c, lfanew)
	if s.rich {
		key := uint32(0x1234abcd)
		recs := []uint32{0x00010000 | 30729, 3, 0x00ff0000 | 21022, 7} // (toolid<<16|build, count)
		w.u32(0x80, 0x536e6144^key)
		w.u32(0x84, key)
		w.u32(0x88, key)
		w.u32(0x8c, key)
		for i, v := range recs {
			w.u32(0x90+4*i, v^key)
		}
		w.u32(0x90+4*len(recs), 0x68636952)
		w.u32(0x94+4*len(recs), key)
	}
	w.str(lfanew, "PE")
	fh := lfanew + 4
	machine := uint16(0x14c)
	optSize := 224
	if s.is64 {
		machine, optSize = 0x8664, 240
	}
	chars := uint16(0x0102)
	if s.dll {
		chars |= 0x2000
	}
	w.u16(fh, machine)
	w.u16(fh+2, 3)
	w.u32(fh+4, 0x5f000000)
	w.u16(fh+16, uint16(optSize))
	w.u16(fh+18, chars)
	o := fh + 20
	var dd int
	if s.is64 {
		w.u16(o, 0x20b)
		w.u64(o+24, 0x140000000)
		dd = o + 112
		w.u32(o+108, 16)
	} else {
		w.u16(o, 0x10b)
		w.u32(o+24, rdataRVA)
		w.u32(o+28, 0x400000)
		dd = o + 96
		w.u32(o+92, 16)
	}
	w.at(o)[2], w.at(o)[3] = 14, 29
	w.u32(o+4, textSize)
	w.u32(o+16, textRVA+0x10)
	w.u32(o+20, textRVA)
	w.u32(o+32, 0x1000)
	w.u32(o+36, 0x200)
	w.u16(o+40, 6)
	w.u16(o+48, 6)
	w.u32(o+56, 0x5000)
	w.u32(o+60, 0x400)
	w.u16(o+68, 3)
	w.u16(o+70, 0x8160)
	sec := o + optSize
	for i, x := range []struct {
		name            string
		rva, raw, size  int
		characteristics uint32
	}{
		{".text", textRVA, textRaw, textSize, 0x60000020},
		{".rdata", rdataRVA, rdataRaw, rdataSize, 0x40000040},
		{".rsrc", rsrcRVA, rsrcRaw, rsrcSize, 0x40000040},
	} {
		h := sec + 40*i
		copy(w.at(h), x.name)
		w.u32(h+8, uint32(x.size))
		w.u32(h+12, uint32(x.rva))
		w.u32(h+16, uint32(x.size))
		w.u32(h+20, uint32(x.raw))
		w.u32(h+36, x.characteristics)
	}
	w.at(textRaw)[0x10] = 0xc3
	// .rdata: a bump allocator over RVAs.
	next := rdataRVA
	alloc := func(n int) int { r := next; next += (n + 7) &^ 7; return r }
	off := func(rva int) int { return rva - rdataRVA + rdataRaw }
	setDir := func(i, rva, size int) { w.u32(dd+8*i, uint32(rva)); w.u32(dd+8*i+4, uint32(size)) }
	ptr := 4
	if s.is64 {
		ptr = 8
	}
	thunk := func(rva int, v uint64) {
		if s.is64 {
			w.u64(off(rva), v)
		} else {
			w.u32(off(rva), uint32(v))
		}
	}
	lookup := func(fn string) uint64 {
		if fn[0] == '#' {
			n, _ := new(big.Int).SetString(fn[1:], 10)
			if s.is64 {
				return 1<<63 | n.Uint64()
			}
			return 1<<31 | n.Uint64()
		}
		hn := alloc(2 + len(fn) + 1)
		w.str(off(hn)+2, fn)
		return uint64(hn)
	}
	if len(s.imports) > 0 {
		desc := alloc(20 * (len(s.imports) + 1))
		for i, im := range s.imports {
			ilt := alloc(ptr * (len(im.funcs) + 1))
			iat := alloc(ptr * (len(im.funcs) + 1))
			name := alloc(len(im.dll) + 1)
			w.str(off(name), im.dll)
			for j, fn := range im.funcs {
				v := lookup(fn)
				thunk(ilt+ptr*j, v)
				thunk(iat+ptr*j, v)
			}
			d := off(desc + 20*i)
			w.u32(d, uint32(ilt))
			w.u32(d+12, uint32(name))
			w.u32(d+16, uint32(iat))
		}
		setDir(1, desc, 20*(len(s.imports)+1))
	}
	if len(s.delayed) > 0 {
		desc := alloc(32 * (len(s.delayed) + 1))
		for i, im := range s.delayed {
			int_ := alloc(ptr * (len(im.funcs) + 1))
			iat := alloc(ptr * (len(im.funcs) + 1))
			name := alloc(len(im.dll) + 1)
			w.str(off(name), im.dll)
			for j, fn := range im.funcs {
				thunk(int_+ptr*j, lookup(fn))
				thunk(iat+ptr*j, uint64(textRVA))
			}
			d := off(desc + 32*i)
			w.u32(d, 1) // RVA-based
			w.u32(d+4, uint32(name))
			w.u32(d+12, uint32(iat))
			w.u32(d+16, uint32(int_))
		}
		setDir(13, desc, 32*(len(s.delayed)+1))
	}
	if len(s.exports) > 0 {
		dir := alloc(40)
		start := next
		n := len(s.exports)
		eat, ent, eot := alloc(4*n), alloc(4*n), alloc(2*n)
		dllName := alloc(16)
		w.str(off(dllName), "test.dll")
		d := off(dir)
		w.u32(d+4, 0x5f000001)
		w.u32(d+12, uint32(dllName))
		w.u32(d+16, 1)
		w.u32(d+20, uint32(n))
		w.u32(d+24, uint32(n))
		w.u32(d+28, uint32(eat))
		w.u32(d+32, uint32(ent))
		w.u32(d+36, uint32(eot))
		for i, name := range s.exports {
			nm := alloc(len(name) + 1)
			w.str(off(nm), name)
			w.u32(off(ent+4*i), uint32(nm))
			w.u16(off(eot+2*i), uint16(i))
			w.u32(off(eat+4*i), uint32(textRVA+0x10))
		}
		if s.forwarder != "" {
			fw := alloc(len(s.forwarder) + 1)
			w.str(off(fw), s.forwarder)
			w.u32(off(eat+4*(n-1)), uint32(fw))
		}
		setDir(0, dir, next-start+40)
	}
	if s.pdb != "" {
		dbg := alloc(28)
		cv := alloc(24 + len(s.pdb) + 1)
		copy(w.at(off(cv)), "RSDS")
		w.str(off(cv)+24, s.pdb)
		d := off(dbg)
		w.u32(d+12, 2)
		w.u32(d+16, uint32(24+len(s.pdb)+1))
		w.u32(d+20, uint32(cv))
		w.u32(d+24, uint32(off(cv)))
		setDir(6, dbg, 28)
	}
	if next > rdataRVA+rdataSize {
		t.Fatalf("test PE: .rdata overflow (%d bytes)", next-rdataRVA)
	}
	if len(s.version) > 0 {
		buildResources(w, s.version)
		setDir(2, rsrcRVA, rsrcSize)
	}
	end := rsrcRaw + rsrcSize
	w.at(end)
	w.b = w.b[:end]
	if s.cert != nil {
		l := 8 + len(s.cert)
		pad := (8 - l%8) % 8
		hdr := make([]byte, 8)
		binary.LittleEndian.PutUint32(hdr, uint32(l))
		binary.LittleEndian.PutUint16(hdr[4:], 0x200)
		binary.LittleEndian.PutUint16(hdr[6:], 2)
		setDir(4, len(w.b), l+pad)
		w.b = append(w.b, hdr...)
		w.b = append(w.b, s.cert...)
		w.b = append(w.b, make([]byte, pad)...)
	}
	w.b = append(w.b, s.overlay...)
	return w.b
}

func utf16z(s string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = binary.LittleEndian.AppendUint16(b, u)
	}
	return append(b, 0, 0)
}

func pad4(b []byte) []byte {
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

// versionNode encodes one VS_VERSIONINFO-style node (Length, ValueLength,
// Type, Key, padding, value, children).
func versionNode(key string, value []byte, valueLen uint16, typ uint16, children ...[]byte) []byte {
	b := make([]byte, 6)
	b = append(b, utf16z(key)...)
	b = pad4(b)
	b = append(b, value...)
	for _, c := range children {
		b = pad4(b)
		b = append(b, c...)
	}
	binary.LittleEndian.PutUint16(b, uint16(len(b)))
	binary.LittleEndian.PutUint16(b[2:], valueLen)
	binary.LittleEndian.PutUint16(b[4:], typ)
	return b
}

// buildResources writes a resource tree with RT_VERSION/1/0x409 holding a
// VERSIONINFO with the given strings, and a named type "MYDATA"/id 7/0x409.
func buildResources(w *buf, strs map[string]string) {
	keys := []string{"CompanyName", "FileDescription", "FileVersion", "InternalName", "LegalCopyright", "OriginalFilename", "ProductName", "ProductVersion"}
	var strings_ [][]byte
	for _, k := range keys {
		if v, ok := strs[k]; ok {
			val := utf16z(v)
			strings_ = append(strings_, versionNode(k, val, uint16(len(val)/2), 1))
		}
	}
	table := versionNode("040904b0", nil, 0, 1, strings_...)
	sfi := versionNode("StringFileInfo", nil, 0, 1, table)
	fixed := make([]byte, 52)
	binary.LittleEndian.PutUint32(fixed, 0xfeef04bd)
	vi := versionNode("VS_VERSION_INFO", fixed, 52, 0, sfi)
	base := rsrcRaw
	dir := func(off, named, ids int) {
		w.u16(base+off+12, uint16(named))
		w.u16(base+off+14, uint16(ids))
	}
	ent := func(off int, name, target uint32) { w.u32(base+off, name); w.u32(base+off+4, target) }
	// root: one named entry ("MYDATA") then RT_VERSION (16)
	dir(0x00, 1, 1)
	ent(0x10, 0x80000000|0x600, 0x80000000|0x20)
	ent(0x18, 16, 0x80000000|0x40)
	dir(0x20, 0, 1) // MYDATA → id 7
	ent(0x30, 7, 0x80000000|0x60)
	dir(0x40, 0, 1) // VERSION → id 1
	ent(0x50, 1, 0x80000000|0x80)
	dir(0x60, 0, 1)
	ent(0x70, 0x409, 0xa0)
	dir(0x80, 0, 1)
	ent(0x90, 0x409, 0xb0)
	w.u32(base+0xa0, rsrcRVA+0x200) // MYDATA data
	w.u32(base+0xa4, 4)
	w.u32(base+0xb0, rsrcRVA+0x210) // VERSIONINFO data
	w.u32(base+0xb4, uint32(len(vi)))
	name := utf16z("MYDATA")
	w.u16(base+0x600, 6)
	copy(w.at(base+0x602), name[:12])
	copy(w.at(base+0x200), "DATA")
	copy(w.at(base+0x210), vi)
}

// testCert makes a self-signed certificate and a PKCS#7 SignedData with
// an Authenticode SpcIndirectDataContent signed (structurally) by it.
func testSignature(t testing.TB, serial *big.Int, cn string) (cert *x509.Certificate, pkcs7 []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{Country: []string{"FR"}, Organization: []string{"Vigie Test"}, CommonName: cn},
		NotBefore:    time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC),
		NotAfter:     time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err = x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	mustMarshal := func(v any, params ...string) []byte {
		var b []byte
		var err error
		if len(params) > 0 {
			b, err = asn1.MarshalWithParams(v, params[0])
		} else {
			b, err = asn1.Marshal(v)
		}
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	sha256OID := asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	type algID struct{ Algorithm asn1.ObjectIdentifier }
	spc := mustMarshal(struct {
		Data   asn1.RawValue
		Digest struct {
			Alg    algID
			Digest []byte
		}
	}{
		Data: asn1.RawValue{FullBytes: mustMarshal(struct{ T asn1.ObjectIdentifier }{asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 311, 2, 1, 15}})},
		Digest: struct {
			Alg    algID
			Digest []byte
		}{algID{sha256OID}, bytes.Repeat([]byte{0xab}, 32)},
	})
	serialDER := mustMarshal(serial)
	var serialRaw asn1.RawValue
	if _, err := asn1.Unmarshal(serialDER, &serialRaw); err != nil {
		t.Fatal(err)
	}
	si := mustMarshal(struct {
		Version int
		IAS     struct {
			Issuer asn1.RawValue
			Serial asn1.RawValue
		}
		DigestAlg algID
		EncAlg    algID
		Sig       []byte
	}{
		Version: 1,
		IAS: struct {
			Issuer asn1.RawValue
			Serial asn1.RawValue
		}{asn1.RawValue{FullBytes: cert.RawIssuer}, serialRaw},
		DigestAlg: algID{sha256OID},
		EncAlg:    algID{asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}},
		Sig:       []byte{1, 2, 3},
	})
	sd := mustMarshal(struct {
		Version    int
		DigestAlgs asn1.RawValue
		Content    struct {
			Type    asn1.ObjectIdentifier
			Content asn1.RawValue
		}
		Certs       asn1.RawValue
		SignerInfos asn1.RawValue
	}{
		Version:    1,
		DigestAlgs: asn1.RawValue{Class: 0, Tag: 17, IsCompound: true, Bytes: mustMarshal(algID{sha256OID})},
		Content: struct {
			Type    asn1.ObjectIdentifier
			Content asn1.RawValue
		}{asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 311, 2, 1, 4}, explicit0(spc)},
		Certs:       asn1.RawValue{Class: 2, Tag: 0, IsCompound: true, Bytes: der},
		SignerInfos: asn1.RawValue{Class: 0, Tag: 17, IsCompound: true, Bytes: si},
	})
	pkcs7 = mustMarshal(struct {
		Type    asn1.ObjectIdentifier
		Content asn1.RawValue
	}{asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}, explicit0(sd)})
	return cert, pkcs7
}

// explicit0 wraps DER in a [0] EXPLICIT tag (encoding/asn1 ignores the
// explicit parameter on a RawValue with FullBytes).
func explicit0(der []byte) asn1.RawValue {
	return asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: der}
}
