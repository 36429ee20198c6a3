package docmeta

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/md5"
	"crypto/rc4"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"fmt"
	"sort"
)

// pdfCrypt decrypts strings and streams of a PDF encrypted by the standard
// security handler with an empty user password (the common "can open, but
// cannot copy/print" protection). Files that need a password stay unread.
type pdfCrypt struct {
	key             []byte
	aes             bool
	v               int
	encryptMetadata bool
}

var pdfPad = []byte{0x28, 0xBF, 0x4E, 0x5E, 0x4E, 0x75, 0x8A, 0x41, 0x64, 0x00, 0x4E, 0x56, 0xFF, 0xFA, 0x01, 0x08,
	0x2E, 0x2E, 0x00, 0xB6, 0xD0, 0x68, 0x3E, 0x80, 0x2F, 0x0C, 0xA9, 0xFE, 0x64, 0x53, 0x69, 0x7A}

func (p *pdfReader) setupCrypt(ed pdfDict, info *PDFInfo) {
	if ed == nil {
		info.Encryption = "unknown"
		p.m.add("PDF", "Encryption", "unknown")
		return
	}
	filter, _ := ed["Filter"].(pdfName)
	v, _ := p.resolve(ed["V"]).(int64)
	r, _ := p.resolve(ed["R"]).(int64)
	length, _ := p.resolve(ed["Length"]).(int64)
	if length == 0 {
		length = 40
	}
	if v >= 5 {
		length = 256
	}
	info.Encryption = fmt.Sprintf("%s V%d.%d (%d-bit)", filter, v, r, length)
	p.m.add("PDF", "Encryption", info.Encryption)
	if filter != "Standard" {
		return
	}
	o, _ := p.resolve(ed["O"]).(pdfStr)
	u, _ := p.resolve(ed["U"]).(pdfStr)
	pv, _ := p.resolve(ed["P"]).(int64)
	encMeta := true
	if b, ok := ed["EncryptMetadata"].(bool); ok {
		encMeta = b
	}
	c := &pdfCrypt{v: int(v), encryptMetadata: encMeta}
	switch {
	case v == 4:
		// Crypt filters: AESV2 or V2 (RC4).
		if cf, ok := p.resolve(ed["CF"]).(pdfDict); ok {
			stmf, _ := ed["StmF"].(pdfName)
			if f, ok := p.resolve(cf[stmf]).(pdfDict); ok {
				if f["CFM"] == pdfName("AESV2") {
					c.aes = true
				}
			}
		}
		fallthrough
	case v == 1 || v == 2:
		n := int(length / 8)
		if r == 2 {
			n = 5
		}
		if n < 5 || n > 16 {
			return
		}
		var id0 []byte
		if ids, ok := p.trailer["ID"].(pdfArray); ok && len(ids) > 0 {
			s, _ := ids[0].(pdfStr)
			id0 = s
		}
		h := md5.New()
		h.Write(pdfPad)
		h.Write(o)
		var pb [4]byte
		binary.LittleEndian.PutUint32(pb[:], uint32(int32(pv)))
		h.Write(pb[:])
		h.Write(id0)
		if r >= 4 && !encMeta {
			h.Write([]byte{0xff, 0xff, 0xff, 0xff})
		}
		key := h.Sum(nil)
		if r >= 3 {
			for i := 0; i < 50; i++ {
				s := md5.Sum(key[:n])
				key = s[:]
			}
		}
		key = key[:n]
		// Check the empty user password.
		ok := false
		if r == 2 {
			ci, _ := rc4.NewCipher(key)
			out := make([]byte, 32)
			ci.XORKeyStream(out, pdfPad)
			ok = len(u) >= 32 && bytes.Equal(out, u[:32])
		} else {
			h := md5.New()
			h.Write(pdfPad)
			h.Write(id0)
			x := h.Sum(nil)
			for i := 0; i < 20; i++ {
				k := make([]byte, len(key))
				for j := range key {
					k[j] = key[j] ^ byte(i)
				}
				ci, _ := rc4.NewCipher(k)
				ci.XORKeyStream(x, x)
			}
			ok = len(u) >= 16 && bytes.Equal(x[:16], u[:16])
		}
		if !ok {
			return
		}
		c.key = key
	case v == 5:
		ue, _ := p.resolve(ed["UE"]).(pdfStr)
		if len(u) < 48 || len(ue) < 32 {
			return
		}
		var hash, kh []byte
		if r >= 6 {
			hash = hash2B(nil, u[32:40], nil)
			kh = hash2B(nil, u[40:48], nil)
		} else {
			s := sha256.Sum256(u[32:40])
			hash = s[:]
			k := sha256.Sum256(u[40:48])
			kh = k[:]
		}
		if !bytes.Equal(hash[:32], u[:32]) {
			return
		}
		block, err := aes.NewCipher(kh[:32])
		if err != nil {
			return
		}
		key := make([]byte, 32)
		cipher.NewCBCDecrypter(block, make([]byte, 16)).CryptBlocks(key, ue[:32])
		c.key = key
		c.aes = true
	default:
		return
	}
	p.crypt = c
	info.Decrypted = true
}

// hash2B is algorithm 2.B of ISO 32000-2 (revision 6 password hash).
func hash2B(pw, salt, udata []byte) []byte {
	h := sha256.New()
	h.Write(pw)
	h.Write(salt)
	h.Write(udata)
	k := h.Sum(nil)
	for i := 0; ; i++ {
		k1 := bytes.Repeat(append(append(append([]byte(nil), pw...), k...), udata...), 64)
		block, err := aes.NewCipher(k[:16])
		if err != nil {
			return k
		}
		e := make([]byte, len(k1))
		cipher.NewCBCEncrypter(block, k[16:32]).CryptBlocks(e, k1)
		sum := 0
		for _, b := range e[:16] {
			sum += int(b)
		}
		switch sum % 3 {
		case 0:
			s := sha256.Sum256(e)
			k = s[:]
		case 1:
			s := sha512.Sum384(e)
			k = s[:]
		case 2:
			s := sha512.Sum512(e)
			k = s[:]
		}
		if i >= 63 && int(e[len(e)-1]) <= i-32 {
			break
		}
		if i > 1000 {
			break
		}
	}
	return k[:32]
}

func (c *pdfCrypt) decrypt(data []byte, ref pdfRef) []byte {
	key := c.key
	if c.v < 5 {
		h := md5.New()
		h.Write(c.key)
		h.Write([]byte{byte(ref.num), byte(ref.num >> 8), byte(ref.num >> 16), byte(ref.gen), byte(ref.gen >> 8)})
		if c.aes {
			h.Write([]byte("sAlT"))
		}
		key = h.Sum(nil)
		if n := len(c.key) + 5; n < 16 {
			key = key[:n]
		}
	}
	if !c.aes {
		ci, err := rc4.NewCipher(key)
		if err != nil {
			return data
		}
		out := make([]byte, len(data))
		ci.XORKeyStream(out, data)
		return out
	}
	if len(data) < 32 || len(data)%16 != 0 {
		return data
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return data
	}
	out := make([]byte, len(data)-16)
	cipher.NewCBCDecrypter(block, data[:16]).CryptBlocks(out, data[16:])
	if n := int(out[len(out)-1]); n >= 1 && n <= 16 && n <= len(out) {
		out = out[:len(out)-n]
	}
	return out
}

func sortStrings(s []string, less func(a, b string) bool) {
	sort.Slice(s, func(i, j int) bool { return less(s[i], s[j]) })
}
