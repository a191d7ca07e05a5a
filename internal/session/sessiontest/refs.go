// Package sessiontest holds what tests of a session and of the room that
// runs it share: a walk of the maps and slices a value reaches, to show
// that what leaves the room's goroutine shares none of the room's.
package sessiontest

import "reflect"

// Refs collects the address of every map and of every slice's backing
// array reachable from v, with the path that reaches it.
func Refs(v reflect.Value, path string, seen map[uintptr]bool, out map[uintptr]string) {
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
		Refs(v.Elem(), path, seen, out)
	case reflect.Struct:
		for i := range v.NumField() {
			Refs(v.Field(i), path+"."+v.Type().Field(i).Name, seen, out)
		}
	case reflect.Slice:
		if v.Cap() > 0 {
			out[v.Pointer()] = path
		}
		for i := range v.Len() {
			Refs(v.Index(i), path+"[]", seen, out)
		}
	case reflect.Array:
		for i := range v.Len() {
			Refs(v.Index(i), path+"[]", seen, out)
		}
	case reflect.Map:
		if v.IsNil() {
			return
		}
		out[v.Pointer()] = path
		it := v.MapRange()
		for it.Next() {
			Refs(it.Value(), path+"[k]", seen, out)
		}
	}
}
