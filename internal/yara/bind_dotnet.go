package yara

import "github.com/vigie-project/vigie/internal/yara/dotnet"

// dotnetModule binds YARA's "dotnet" module identifiers to
// internal/yara/dotnet (the fields of libyara 4.2.3). Built once per
// file, on first use; a file that is not a PE sets nothing.
func dotnetModule(data []byte) *mstruct {
	m := newStruct()
	f := dotnet.Parse(data)
	if f == nil {
		return m
	}
	m.set("is_dotnet", boolVal(f.IsDotnet))
	if !f.IsDotnet {
		return m
	}
	if f.HasVersion {
		m.set("version", strVal(f.Version))
	}
	if f.HasModule {
		m.set("module_name", strVal(f.ModuleName))
	}
	if f.HasStreams {
		m.set("number_of_streams", intVal(int64(f.NumberOfStreams)))
		items := make([]value, len(f.Streams))
		for i, s := range f.Streams {
			st := newStruct()
			st.set("name", strVal(s.Name))
			st.set("offset", intVal(s.Offset))
			st.set("size", u(uint64(s.Size)))
			items[i] = structVal(st)
		}
		m.set("streams", arrayVal(items))
	}
	if f.HasGUIDs {
		m.set("number_of_guids", intVal(int64(len(f.GUIDs))))
		m.set("guids", arrayVal(strValues(f.GUIDs)))
	}
	if f.HasUserStrings {
		m.set("number_of_user_strings", intVal(int64(len(f.UserStrings))))
		m.set("user_strings", arrayVal(byteValues(f.UserStrings)))
	}
	if f.HasConstants {
		m.set("number_of_constants", intVal(int64(len(f.Constants))))
		m.set("constants", arrayVal(byteValues(f.Constants)))
	}
	if f.HasModuleRefs {
		m.set("number_of_modulerefs", intVal(int64(len(f.ModuleRefs))))
		m.set("modulerefs", arrayVal(strValues(f.ModuleRefs)))
	}
	if f.HasFieldOffsets {
		m.set("number_of_field_offsets", intVal(int64(len(f.FieldOffsets))))
		items := make([]value, len(f.FieldOffsets))
		for i, o := range f.FieldOffsets {
			items[i] = intVal(o)
		}
		m.set("field_offsets", arrayVal(items))
	}
	if f.HasTypelib {
		m.set("typelib", strVal(f.Typelib))
	}
	if f.HasResources {
		m.set("number_of_resources", intVal(int64(len(f.Resources))))
		items := make([]value, len(f.Resources))
		for i, r := range f.Resources {
			st := newStruct()
			st.set("offset", intVal(r.Offset))
			st.set("length", u(uint64(r.Length)))
			if r.HasName {
				st.set("name", strVal(r.Name))
			}
			items[i] = structVal(st)
		}
		m.set("resources", arrayVal(items))
	}
	if f.HasAssemblyRefs {
		m.set("number_of_assembly_refs", intVal(int64(len(f.AssemblyRefs))))
		items := make([]value, len(f.AssemblyRefs))
		for i, r := range f.AssemblyRefs {
			st := newStruct()
			st.set("version", dotnetVersion(r.Version))
			if r.HasPublicKeyOrToken {
				st.set("public_key_or_token", strVal(string(r.PublicKeyOrToken)))
			}
			if r.HasName {
				st.set("name", strVal(r.Name))
			}
			items[i] = structVal(st)
		}
		m.set("assembly_refs", arrayVal(items))
	}
	a := newStruct()
	if f.Assembly != nil {
		a.set("version", dotnetVersion(f.Assembly.Version))
		if f.Assembly.HasName {
			a.set("name", strVal(f.Assembly.Name))
		}
		if f.Assembly.HasCulture {
			a.set("culture", strVal(f.Assembly.Culture))
		}
	}
	m.set("assembly", structVal(a))
	return m
}

func dotnetVersion(v dotnet.Version) value {
	st := newStruct()
	st.set("major", u(uint64(v.Major)))
	st.set("minor", u(uint64(v.Minor)))
	st.set("build_number", u(uint64(v.BuildNumber)))
	st.set("revision_number", u(uint64(v.RevisionNumber)))
	return structVal(st)
}

func strValues(l []string) []value {
	out := make([]value, len(l))
	for i, s := range l {
		out[i] = strVal(s)
	}
	return out
}

func byteValues(l [][]byte) []value {
	out := make([]value, len(l))
	for i, b := range l {
		out[i] = strVal(string(b))
	}
	return out
}
