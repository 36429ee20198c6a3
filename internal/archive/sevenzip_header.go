package archive

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"

	"github.com/ulikunitz/xz/lzma"
)

// The 7-Zip reader allocates slices from the counts in the archive header
// (files, folders, streams, coder properties) before reading what they
// count: a 30-byte header can ask for billions of elements. szCheck walks
// the header first, the same way, and refuses counts above the limits and
// decoders whose dictionary or model memory is above Limits.MaxDictionary,
// so that the library only ever sees a header whose allocations are small.

// 7-Zip property ids.
const (
	szEnd               = 0x00
	szHeader            = 0x01
	szArchiveProperties = 0x02
	szAdditionalStreams = 0x03
	szMainStreamsInfo   = 0x04
	szFilesInfo         = 0x05
	szPackInfo          = 0x06
	szUnpackInfo        = 0x07
	szSubStreamsInfo    = 0x08
	szSize              = 0x09
	szCRC               = 0x0a
	szFolder            = 0x0b
	szCodersUnpackSize  = 0x0c
	szNumUnpackStream   = 0x0d
	szEncodedHeader     = 0x17
)

var (
	szMagic   = []byte{'7', 'z', 0xbc, 0xaf, 0x27, 0x1c}
	methodAES = "06f10701"
)

// szFolder is what the check keeps of one folder (a chain of coders).
type szFolderInfo struct {
	coders     []string // method ids, hex
	props      [][]byte
	outStreams int
	unpack     []uint64
	hasCRC     bool
	encrypted  bool
}

type szInfo struct {
	packPos   uint64
	packSizes []uint64
	folders   []szFolderInfo
	files     int
}

// szReader reads a 7-Zip header held in memory.
type szReader struct {
	b   []byte
	off int
}

var errSzShort = fmt.Errorf("%w: 7-Zip header ends early", ErrFormat)

func (r *szReader) byte() (byte, error) {
	if r.off >= len(r.b) {
		return 0, errSzShort
	}
	c := r.b[r.off]
	r.off++
	return c, nil
}

func (r *szReader) skip(n uint64) error {
	if n > uint64(len(r.b)-r.off) {
		return errSzShort
	}
	r.off += int(n)
	return nil
}

// number reads 7-Zip's variable-length integer.
func (r *szReader) number() (uint64, error) {
	first, err := r.byte()
	if err != nil {
		return 0, err
	}
	var v uint64
	mask := byte(0x80)
	for i := 0; i < 8; i++ {
		if first&mask == 0 {
			hi := uint64(first) & (uint64(mask) - 1)
			return v | hi<<(8*i), nil
		}
		c, err := r.byte()
		if err != nil {
			return 0, err
		}
		v |= uint64(c) << (8 * i)
		mask >>= 1
	}
	return v, nil
}

// count reads a number that sizes an allocation and bounds it.
func (r *szReader) count(what string, max int) (int, error) {
	v, err := r.number()
	if err != nil {
		return 0, err
	}
	if v > uint64(max) {
		return 0, limitError("7-Zip header declares %d %s, more than %d", v, what, max)
	}
	return int(v), nil
}

func (r *szReader) expect(id byte) error {
	c, err := r.byte()
	if err != nil {
		return err
	}
	if c != id {
		return fmt.Errorf("%w: 7-Zip header has property %#x where %#x was expected", ErrFormat, c, id)
	}
	return nil
}

// bits reads a bit vector of n entries; allDefined first when optional.
func (r *szReader) bits(n int, optional bool) ([]bool, error) {
	out := make([]bool, n)
	if optional {
		all, err := r.byte()
		if err != nil {
			return nil, err
		}
		if all != 0 {
			for i := range out {
				out[i] = true
			}
			return out, nil
		}
	}
	var c byte
	for i := range out {
		if i%8 == 0 {
			var err error
			if c, err = r.byte(); err != nil {
				return nil, err
			}
		}
		out[i] = c&(0x80>>(i%8)) != 0
	}
	return out, nil
}

func (r *szReader) digests(n int) ([]bool, error) {
	def, err := r.bits(n, true)
	if err != nil {
		return nil, err
	}
	for _, d := range def {
		if d {
			if err := r.skip(4); err != nil {
				return nil, err
			}
		}
	}
	return def, nil
}

// szCheck validates the header of the 7-Zip archive data and returns what
// it learnt: the folders (with which are encrypted) and the file count.
func szCheck(data []byte, lim Limits) (*szInfo, error) {
	if len(data) < 32 || !bytes.HasPrefix(data, szMagic) {
		return nil, fmt.Errorf("%w: no 7-Zip signature", ErrFormat)
	}
	// The reader takes the first signature whose start header checks: the
	// one at 0 must, or it would read a header further on, unchecked here.
	if crc32.ChecksumIEEE(data[12:32]) != binary.LittleEndian.Uint32(data[8:]) {
		return nil, fmt.Errorf("%w: 7-Zip start header checksum mismatch", ErrFormat)
	}
	next := binary.LittleEndian.Uint64(data[12:])
	size := binary.LittleEndian.Uint64(data[20:])
	if size == 0 {
		return &szInfo{}, nil // an empty archive
	}
	if next > uint64(len(data)) || size > uint64(len(data)) || 32+next+size > uint64(len(data)) {
		return nil, fmt.Errorf("%w: 7-Zip header at %d (%d bytes) lies beyond the %d-byte file", ErrFormat, next, size, len(data))
	}
	r := &szReader{b: data[32+next : 32+next+size]}
	id, err := r.byte()
	if err != nil {
		return nil, err
	}
	if id == szEncodedHeader {
		si, err := r.streams(lim, 0)
		if err != nil {
			return nil, fmt.Errorf("encoded header: %w", err)
		}
		plain, err := szDecodeHeader(data, si, lim)
		if err != nil {
			return nil, err
		}
		r = &szReader{b: plain}
		if id, err = r.byte(); err != nil {
			return nil, err
		}
	}
	if id != szHeader {
		return nil, fmt.Errorf("%w: 7-Zip header starts with %#x", ErrFormat, id)
	}
	return r.header(lim)
}

// szDecodeHeader unpacks an encoded (compressed, perhaps encrypted) header:
// one folder of LZMA, LZMA2 or copy, within Limits.MaxHeaderSize.
func szDecodeHeader(data []byte, si *szInfo, lim Limits) ([]byte, error) {
	if len(si.folders) != 1 || len(si.packSizes) != 1 {
		return nil, fmt.Errorf("%w: encoded 7-Zip header is not one stream", ErrFormat)
	}
	f := si.folders[0]
	if f.encrypted {
		return nil, ErrEncrypted
	}
	if len(f.coders) != 1 || len(f.unpack) != 1 {
		return nil, fmt.Errorf("%w: encoded 7-Zip header uses a chain of %d methods", ErrUnsupported, len(f.coders))
	}
	out := f.unpack[0]
	if out > uint64(lim.MaxHeaderSize) {
		return nil, limitError("7-Zip header unpacks to %d bytes, more than %d", out, lim.MaxHeaderSize)
	}
	start, n := 32+si.packPos, si.packSizes[0]
	if si.packPos > uint64(len(data)) || n > uint64(len(data)) || start+n > uint64(len(data)) {
		return nil, fmt.Errorf("%w: encoded 7-Zip header lies beyond the file", ErrFormat)
	}
	packed := data[start : start+n]
	var rd io.Reader
	switch f.coders[0] {
	case "00":
		rd = bytes.NewReader(packed)
	case "030101":
		p := f.props[0]
		if len(p) != 5 {
			return nil, fmt.Errorf("%w: LZMA properties of %d bytes", ErrFormat, len(p))
		}
		hdr := make([]byte, 13, 13+len(packed))
		copy(hdr, p)
		binary.LittleEndian.PutUint64(hdr[5:], out)
		lr, err := lzma.ReaderConfig{DictCap: int(lim.MaxDictionary)}.NewReader(bytes.NewReader(append(hdr, packed...)))
		if err != nil {
			return nil, fmt.Errorf("%w: encoded 7-Zip header: %v", ErrFormat, err)
		}
		rd = lr
	case "21":
		p := f.props[0]
		if len(p) != 1 || p[0] > 40 {
			return nil, fmt.Errorf("%w: LZMA2 properties", ErrFormat)
		}
		lr, err := lzma.Reader2Config{DictCap: int(min(lzma2Dict(p[0]), max(out, lzma.MinDictCap)))}.NewReader2(bytes.NewReader(packed))
		if err != nil {
			return nil, fmt.Errorf("%w: encoded 7-Zip header: %v", ErrFormat, err)
		}
		rd = lr
	default:
		return nil, fmt.Errorf("%w: 7-Zip header compressed with method %s", ErrUnsupported, f.coders[0])
	}
	plain := make([]byte, out)
	if _, err := io.ReadFull(rd, plain); err != nil {
		return nil, fmt.Errorf("%w: encoded 7-Zip header: %v", ErrFormat, err)
	}
	return plain, nil
}

func lzma2Dict(p byte) uint64 {
	if p >= 40 {
		return 0xffffffff
	}
	return uint64(2|p&1) << (p/2 + 11)
}

// skipProperties skips a list of (type, size, data) properties up to its
// end marker: archive properties, file properties.
func (r *szReader) skipProperties() error {
	for {
		t, err := r.byte()
		if err != nil {
			return err
		}
		if t == szEnd {
			return nil
		}
		n, err := r.number()
		if err != nil {
			return err
		}
		if err := r.skip(n); err != nil {
			return err
		}
	}
}

// header checks a plain header after its id.
func (r *szReader) header(lim Limits) (*szInfo, error) {
	id, err := r.byte()
	if err != nil {
		return nil, err
	}
	if id == szArchiveProperties {
		if err := r.skipProperties(); err != nil {
			return nil, err
		}
		if id, err = r.byte(); err != nil {
			return nil, err
		}
	}
	if id == szAdditionalStreams {
		return nil, fmt.Errorf("%w: 7-Zip additional header streams", ErrUnsupported)
	}
	info := &szInfo{}
	if id == szMainStreamsInfo {
		if info, err = r.streams(lim, 0); err != nil {
			return nil, err
		}
		if id, err = r.byte(); err != nil {
			return nil, err
		}
	}
	if id == szFilesInfo {
		if info.files, err = r.count("files", lim.MaxEntries); err != nil {
			return nil, err
		}
		if err := r.skipProperties(); err != nil {
			return nil, err
		}
		if id, err = r.byte(); err != nil {
			return nil, err
		}
	}
	if id != szEnd {
		return nil, fmt.Errorf("%w: 7-Zip header has property %#x where the end was expected", ErrFormat, id)
	}
	return info, nil
}

// streams checks a StreamsInfo block: pack info, folders, substreams.
func (r *szReader) streams(lim Limits, _ int) (*szInfo, error) {
	info := &szInfo{}
	id, err := r.byte()
	if err != nil {
		return nil, err
	}
	if id == szPackInfo {
		if info.packPos, err = r.number(); err != nil {
			return nil, err
		}
		n, err := r.count("packed streams", lim.MaxEntries)
		if err != nil {
			return nil, err
		}
		for {
			t, err := r.byte()
			if err != nil {
				return nil, err
			}
			if t == szEnd {
				break
			}
			switch t {
			case szSize:
				info.packSizes = make([]uint64, n)
				for i := range info.packSizes {
					if info.packSizes[i], err = r.number(); err != nil {
						return nil, err
					}
				}
			case szCRC:
				if _, err := r.digests(n); err != nil {
					return nil, err
				}
			default:
				return nil, fmt.Errorf("%w: 7-Zip pack info property %#x", ErrFormat, t)
			}
		}
		if id, err = r.byte(); err != nil {
			return nil, err
		}
	}
	if id == szUnpackInfo {
		if err := r.expect(szFolder); err != nil {
			return nil, err
		}
		n, err := r.count("folders", lim.MaxEntries)
		if err != nil {
			return nil, err
		}
		if ext, err := r.byte(); err != nil {
			return nil, err
		} else if ext != 0 {
			return nil, fmt.Errorf("%w: 7-Zip external folders", ErrUnsupported)
		}
		info.folders = make([]szFolderInfo, n)
		for i := range info.folders {
			if err := r.folder(&info.folders[i], lim); err != nil {
				return nil, err
			}
		}
		if err := r.expect(szCodersUnpackSize); err != nil {
			return nil, err
		}
		for i := range info.folders {
			f := &info.folders[i]
			f.unpack = make([]uint64, f.outStreams)
			for j := range f.unpack {
				if f.unpack[j], err = r.number(); err != nil {
					return nil, err
				}
			}
		}
		t, err := r.byte()
		if err != nil {
			return nil, err
		}
		if t == szCRC {
			def, err := r.digests(n)
			if err != nil {
				return nil, err
			}
			for i, d := range def {
				info.folders[i].hasCRC = d
			}
			if t, err = r.byte(); err != nil {
				return nil, err
			}
		}
		if t != szEnd {
			return nil, fmt.Errorf("%w: 7-Zip unpack info property %#x", ErrFormat, t)
		}
		if id, err = r.byte(); err != nil {
			return nil, err
		}
	}
	if id == szSubStreamsInfo {
		if err := r.subStreams(info, lim); err != nil {
			return nil, err
		}
		if id, err = r.byte(); err != nil {
			return nil, err
		}
	}
	if id != szEnd {
		return nil, fmt.Errorf("%w: 7-Zip streams property %#x", ErrFormat, id)
	}
	return info, nil
}

func (r *szReader) subStreams(info *szInfo, lim Limits) error {
	per := make([]uint64, len(info.folders))
	for i := range per {
		per[i] = 1
	}
	t, err := r.byte()
	if err != nil {
		return err
	}
	if t == szNumUnpackStream {
		var total uint64
		for i := range per {
			if per[i], err = r.number(); err != nil {
				return err
			}
			total += per[i]
			if per[i] > uint64(lim.MaxEntries) || total > uint64(lim.MaxEntries) {
				return limitError("7-Zip header declares more than %d streams", lim.MaxEntries)
			}
		}
		if t, err = r.byte(); err != nil {
			return err
		}
	}
	if t == szSize {
		for _, n := range per {
			for j := uint64(1); j < n; j++ {
				if _, err := r.number(); err != nil {
					return err
				}
			}
		}
		if t, err = r.byte(); err != nil {
			return err
		}
	}
	for t != szEnd {
		if t != szCRC {
			return fmt.Errorf("%w: 7-Zip substreams property %#x", ErrFormat, t)
		}
		n := 0
		for i, k := range per {
			if k != 1 || !info.folders[i].hasCRC {
				n += int(k)
			}
		}
		if _, err := r.digests(n); err != nil {
			return err
		}
		if t, err = r.byte(); err != nil {
			return err
		}
	}
	return nil
}

// folder checks one folder: its coders, their methods and the memory their
// decoders would allocate.
func (r *szReader) folder(f *szFolderInfo, lim Limits) error {
	const maxCoders = 32
	n, err := r.count("coders in a folder", maxCoders)
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("%w: 7-Zip folder without coders", ErrFormat)
	}
	in := 0
	for range n {
		flag, err := r.byte()
		if err != nil {
			return err
		}
		if flag&0x80 != 0 {
			return fmt.Errorf("%w: 7-Zip alternative coder methods", ErrUnsupported)
		}
		idb := r.b[r.off:min(len(r.b), r.off+int(flag&0x0f))]
		if err := r.skip(uint64(flag & 0x0f)); err != nil {
			return err
		}
		id := fmt.Sprintf("%x", idb)
		ci, co := 1, 1
		if flag&0x10 != 0 {
			if ci, err = r.count("coder inputs", maxCoders); err != nil {
				return err
			}
			if co, err = r.count("coder outputs", maxCoders); err != nil {
				return err
			}
		}
		var props []byte
		if flag&0x20 != 0 {
			ps, err := r.number()
			if err != nil {
				return err
			}
			if ps > uint64(len(r.b)-r.off) {
				return errSzShort
			}
			props = r.b[r.off : r.off+int(ps)]
			r.off += int(ps)
		}
		if err := checkMethod(id, props, lim); err != nil {
			return err
		}
		if id == methodAES {
			f.encrypted = true
		}
		f.coders = append(f.coders, id)
		f.props = append(f.props, props)
		in += ci
		f.outStreams += co
	}
	if f.outStreams > maxCoders || in > maxCoders {
		return limitError("7-Zip folder with more than %d streams", maxCoders)
	}
	for range f.outStreams - 1 {
		if _, err := r.number(); err != nil {
			return err
		}
		if _, err := r.number(); err != nil {
			return err
		}
	}
	packed := in - (f.outStreams - 1)
	if packed < 1 {
		return fmt.Errorf("%w: 7-Zip folder binds more streams than it has", ErrFormat)
	}
	if packed > 1 {
		for range packed {
			if _, err := r.number(); err != nil {
				return err
			}
		}
	}
	return nil
}

var errMethod = errors.New("7-Zip method")

// checkMethod allows the methods 7-Zip itself writes and that the reader
// decodes, with their memory bounded.
func checkMethod(id string, props []byte, lim Limits) error {
	var mem uint64
	switch id {
	case "00", "03", "03030103", "0303011b", "03030205", "03030501", "03030805", "0a", "040108", "040202", methodAES:
		return nil
	case "030101": // LZMA: lc/lp/pb, dictionary size
		if len(props) < 5 {
			return fmt.Errorf("%w: LZMA properties of %d bytes", ErrFormat, len(props))
		}
		mem = uint64(binary.LittleEndian.Uint32(props[1:]))
	case "21": // LZMA2: dictionary size code
		if len(props) < 1 || props[0] > 40 {
			return fmt.Errorf("%w: LZMA2 properties", ErrFormat)
		}
		mem = lzma2Dict(props[0])
	case "030401": // PPMd: order, model memory
		if len(props) < 5 {
			return fmt.Errorf("%w: PPMd properties of %d bytes", ErrFormat, len(props))
		}
		mem = uint64(binary.LittleEndian.Uint32(props[1:]))
	default:
		return fmt.Errorf("%w: %w %s", ErrUnsupported, errMethod, id)
	}
	if mem > uint64(lim.MaxDictionary) {
		return limitError("7-Zip method %s needs %d MiB of memory, more than %d MiB", id, mem>>20, lim.MaxDictionary>>20)
	}
	return nil
}
