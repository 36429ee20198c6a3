package pe

import "encoding/binary"

// RichSignature is the "Rich" header the Microsoft linker writes between
// the DOS stub and the PE header: an XOR-masked list of (tool id, build
// version, count) records that identifies the toolchain.
type RichSignature struct {
	Offset    int64  // file offset of the masked "DanS" marker
	Length    int64  // bytes from "DanS" up to, not including, "Rich"
	Key       uint32 // XOR key (the DWORD after "Rich")
	RawData   []byte // the masked bytes, Length long
	ClearData []byte // RawData XOR Key
}

const (
	richMarker = 0x68636952 // "Rich"
	dansMarker = 0x536e6144 // "DanS"
)

// parseRichSignature searches backwards from the PE header for "Rich",
// then for the "DanS" marker masked with the key, like libyara: both
// searches stay above the 64-byte DOS header, step by 4 bytes from the PE
// header offset, and the three padding DWORDs after "DanS" must all equal
// the key.
func (f *File) parseRichSignature() {
	end := int64(f.HeaderOffset)
	if end < 4 || end > int64(len(f.data)) {
		return
	}
	le := binary.LittleEndian
	p := end - 4
	var key uint32
	rich := int64(-1)
	for ; p >= dosHeaderSize; p -= 4 {
		if le.Uint32(f.data[p:]) == richMarker {
			if k, ok := f.u32(p + 4); ok {
				key = k
			}
			rich = p
			p -= 4
			break
		}
	}
	if key == 0 {
		return
	}
	dans := int64(-1)
	for ; p >= dosHeaderSize; p -= 4 {
		if le.Uint32(f.data[p:])^key == dansMarker {
			dans = p
			break
		}
	}
	if dans < 0 {
		f.anomaly(FlagBadRichSignature, "pe: \"Rich\" marker at offset 0x%x without a \"DanS\" marker", rich)
		return
	}
	hdr, ok := f.slice(dans, 16)
	if !ok || rich-dans < 16 {
		return
	}
	k1, k2, k3 := le.Uint32(hdr[4:]), le.Uint32(hdr[8:]), le.Uint32(hdr[12:])
	if k1 != k2 || k2 != k3 || le.Uint32(hdr)^k1 != dansMarker {
		f.anomaly(FlagBadRichSignature, "pe: rich header at offset 0x%x has inconsistent keys", dans)
		return
	}
	raw := f.data[dans:rich]
	clear := make([]byte, len(raw))
	for i := 0; i+4 <= len(raw); i += 4 {
		le.PutUint32(clear[i:], le.Uint32(raw[i:])^k1)
	}
	f.RichSignature = &RichSignature{
		Offset:    dans,
		Length:    rich - dans,
		Key:       k1,
		RawData:   raw,
		ClearData: clear,
	}
}

// RichEntry is one decoded record of the Rich header.
type RichEntry struct {
	ToolID  uint16 // product id (high 16 bits of the id/version DWORD)
	Version uint16 // build number (low 16 bits)
	Count   uint32
}

// Entries decodes the records after the 16-byte "DanS" + padding prefix.
func (r *RichSignature) Entries() []RichEntry {
	if r == nil || len(r.ClearData) < 16 {
		return nil
	}
	le := binary.LittleEndian
	var out []RichEntry
	for p := 16; p+8 <= len(r.ClearData); p += 8 {
		id := le.Uint32(r.ClearData[p:])
		out = append(out, RichEntry{ToolID: uint16(id >> 16), Version: uint16(id), Count: le.Uint32(r.ClearData[p+4:])})
	}
	return out
}

// Version is pe.rich_signature.version(version[, toolid]): the summed
// counts of records with that build version (and tool id when toolid >= 0).
func (r *RichSignature) Version(version, toolid int64) int64 {
	return r.count(version, toolid)
}

// ToolID is pe.rich_signature.toolid(toolid[, version]): the summed counts
// of records with that tool id (and build version when version >= 0).
func (r *RichSignature) ToolID(toolid, version int64) int64 {
	return r.count(version, toolid)
}

func (r *RichSignature) count(version, toolid int64) int64 {
	var n int64
	for _, e := range r.Entries() {
		if (version < 0 || int64(e.Version) == version) && (toolid < 0 || int64(e.ToolID) == toolid) {
			n += int64(e.Count)
		}
	}
	return n
}
