package session

import (
	"reflect"
	"testing"
)

// refs collects the address of every map and of every slice's backing
// array reachable from v, with the path that reaches it.
func refs(v reflect.Value, path string, seen map[uintptr]bool, out map[uintptr]string) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return
		}
		if v.Kind() == reflect.Pointer {
			if seen[v.Pointer()] {
				return
			}
			seen[v.Pointer()] = true
		}
		refs(v.Elem(), path, seen, out)
	case reflect.Struct:
		for i := range v.NumField() {
			refs(v.Field(i), path+"."+v.Type().Field(i).Name, seen, out)
		}
	case reflect.Slice:
		if v.Cap() > 0 {
			out[v.Pointer()] = path
		}
		for i := range v.Len() {
			refs(v.Index(i), path+"[]", seen, out)
		}
	case reflect.Array:
		for i := range v.Len() {
			refs(v.Index(i), path+"[]", seen, out)
		}
	case reflect.Map:
		if v.IsNil() {
			return
		}
		out[v.Pointer()] = path
		it := v.MapRange()
		for it.Next() {
			refs(it.Value(), path+"[k]", seen, out)
		}
	}
}

// TestResultsShareNothing: the results of every room of testdata/rooms,
// and its info, share no map or slice with its state: the room goes on
// changing the state while an export reads them on another goroutine.
func TestResultsShareNothing(t *testing.T) {
	for _, name := range fixtureRooms {
		t.Run(name, func(t *testing.T) {
			f := loadFixture(t, name)
			s, _, err := Rebuild(&f.snap, f.events[f.snap.Seq:])
			if err != nil {
				t.Fatal(err)
			}
			state := map[uintptr]string{}
			refs(reflect.ValueOf(s), "State", map[uintptr]bool{}, state)
			for what, v := range map[string]any{"Results": s.Results(), "BoardResults": s.BoardResults(), "Info": s.Info()} {
				out := map[uintptr]string{}
				refs(reflect.ValueOf(v), what, map[uintptr]bool{}, out)
				if len(out) == 0 {
					t.Fatalf("%s: nothing to compare", what)
				}
				for p, path := range out {
					if sp, ok := state[p]; ok {
						t.Errorf("%s shares memory with the state's %s", path, sp)
					}
				}
			}
		})
	}
}
