package output

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
)

// Field is one column of a flat record type: its name (the json tag) and
// the Go field behind it.
type Field struct {
	Name  string
	Type  reflect.Type
	Index []int // for reflect.Value.FieldByIndex

	table tableTag // the `table` struct tag: how tables show the field
}

type column = Field

// FieldsOf lists the columns of a record type in output order: the exported
// fields, embedded structs flattened (as encoding/json does), named by their
// json tag. The schema of a record kind is built from the same list.
func FieldsOf(t reflect.Type) ([]Field, error) { return fieldsOf(t, false) }

// fieldsOf is FieldsOf; with tableOnly it also lists the fields that only
// tables show (json:"-" with a table tag holding "only"), named by the Go
// field.
func fieldsOf(t reflect.Type, tableOnly bool) ([]Field, error) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("output: record type %s is not a struct", t)
	}
	var cols []Field
	var walk func(t reflect.Type, prefix []int)
	walk = func(t reflect.Type, prefix []int) {
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			idx := append(append([]int(nil), prefix...), i)
			if f.Anonymous && f.Type.Kind() == reflect.Struct {
				walk(f.Type, idx)
				continue
			}
			if !f.IsExported() {
				continue
			}
			tag := parseTableTag(f.Tag.Get("table"))
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" {
				if !tableOnly || !tag.only {
					continue
				}
				name = f.Name
			} else if tag.only {
				panic("output: " + t.String() + "." + f.Name + ": table:\"only\" needs json:\"-\"")
			}
			if name == "" {
				name = f.Name
			}
			cols = append(cols, Field{Name: name, Type: f.Type, Index: idx, table: tag})
		}
	}
	walk(t, nil)
	return cols, nil
}

func columnsOf(t reflect.Type) ([]column, error) { return FieldsOf(t) }

// Columns returns the column names of a record type, in output order.
func Columns(proto any) []string {
	cols, err := columnsOf(reflect.TypeOf(proto))
	if err != nil {
		panic(err)
	}
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.Name
	}
	return names
}

// text renders one field for CSV and tables; ok is false for null.
func text(v reflect.Value) (s string, ok bool) {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return "", false
		}
		v = v.Elem()
	}
	switch v.Kind() {
	case reflect.String:
		return v.String(), true
	case reflect.Bool:
		return strconv.FormatBool(v.Bool()), true
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(v.Int(), 10), true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return strconv.FormatUint(v.Uint(), 10), true
	default:
		return fmt.Sprint(v.Interface()), true
	}
}
