package sweep

import (
	"bytes"
	"encoding/binary"
	"strings"
)

// headSize is how many leading bytes file-type detection looks at (tar's
// magic is at offset 257).
const headSize = 1024

// magic is a leading byte signature and the Loki/THOR file type it means.
type magic struct {
	off  int
	sig  string
	kind string
}

// magics are the signatures of Loki's file-type-signatures.txt that rules
// test ("EXE", "ELF", "ZIP", "RTF", "MDMP" ...), longest first where one is
// a prefix of another.
var magics = []magic{
	{0, "\x7fELF", "ELF"},
	{0, "\xfe\xed\xfa\xce", "MACH-O"}, {0, "\xce\xfa\xed\xfe", "MACH-O"},
	{0, "\xfe\xed\xfa\xcf", "MACH-O"}, {0, "\xcf\xfa\xed\xfe", "MACH-O"},
	{0, "\xca\xfe\xba\xbe", "MACH-O"}, // universal binary (also Java class: told apart below)
	{0, "PK\x03\x04", "ZIP"}, {0, "PK\x05\x06", "ZIP"},
	{0, "Rar!\x1a\x07", "RAR"},
	{0, "7z\xbc\xaf\x27\x1c", "7ZIP"},
	{0, "\x1f\x8b", "GZIP"},
	{0, "BZh", "BZIP2"},
	{0, "\xfd7zXZ\x00", "XZ"},
	{0, "%PDF", "PDF"},
	{0, "{\\rtf", "RTF"},
	{0, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "OFFICE"},
	{0, "MDMP", "MDMP"},
	{0, "PMDM", "LSASS Dump File"},
	{0, "GIF87a", "GIF"}, {0, "GIF89a", "GIF"},
	{0, "\xff\xd8\xff", "JPEG"},
	{0, "\x89PNG\r\n\x1a\n", "PNG"},
	{0, "MSCF", "CAB"},
	{0, "L\x00\x00\x00\x01\x14\x02\x00", "LNK"},
	{0, "\x00asm", "WASM"},
	{257, "ustar", "TAR"},
}

// scriptTypes are text file types told by extension, as THOR does.
var scriptTypes = map[string]string{
	".php": "PHP", ".php3": "PHP", ".php4": "PHP", ".php5": "PHP", ".phtml": "PHP",
	".asp": "ASP", ".aspx": "ASP", ".asa": "ASP", ".ashx": "ASP", ".asmx": "ASP",
	".jsp": "JSP", ".jspx": "JSP",
	".vbs": "VBS", ".vbe": "VBS",
	".bat": "BATCH", ".cmd": "BATCH",
	".py": "Python", ".pyw": "Python",
	".ps1": "PowerShell", ".psm1": "PowerShell",
	".js": "JS", ".jse": "JS",
	".hta": "HTA", ".sh": "SHELL",
}

// fileType returns the Loki/THOR file type of a file from its first bytes
// and its extension (lower-case, with the dot): "EXE", "DLL", "ELF",
// "ZIP", "PDF" ..., or "" when unknown.
func fileType(head []byte, ext string) string {
	if len(head) >= 2 && head[0] == 'M' && head[1] == 'Z' {
		if isDLL(head) {
			return "DLL"
		}
		return "EXE"
	}
	for _, m := range magics {
		if len(head) >= m.off+len(m.sig) && string(head[m.off:m.off+len(m.sig)]) == m.sig {
			if m.kind == "MACH-O" && m.sig == "\xca\xfe\xba\xbe" && len(head) >= 8 && binary.BigEndian.Uint32(head[4:8]) > 30 {
				return "JAVA" // a class file: the major version follows, not an architecture count
			}
			return m.kind
		}
	}
	if t, ok := scriptTypes[ext]; ok {
		return t
	}
	if bytes.HasPrefix(head, []byte("#!")) {
		return "SHELL"
	}
	return ""
}

// isDLL reads the PE header's characteristics, when it is in head.
func isDLL(head []byte) bool {
	if len(head) < 0x40 {
		return false
	}
	pe := int(binary.LittleEndian.Uint32(head[0x3c:]))
	if pe < 0 || pe+24 > len(head) || string(head[pe:pe+4]) != "PE\x00\x00" {
		return false
	}
	return binary.LittleEndian.Uint16(head[pe+22:])&0x2000 != 0
}

// extension returns the lower-cased extension of a base name, with the dot
// (".exe"), as Loki's rules expect.
func extension(base string) string {
	i := strings.LastIndexByte(base, '.')
	if i < 0 {
		return ""
	}
	return strings.ToLower(base[i:])
}
