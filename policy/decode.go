package policy

import (
	"encoding"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
)

// The decoder walks the YAML syntax tree against the Go type itself rather
// than calling yaml.Unmarshal, because go-yaml's decoder stops at the first
// error and loses the position of errors from UnmarshalText. Scalars are
// still converted by go-yaml (yaml.NodeToValue), so values mean what they
// mean to go-yaml.

// yamlErrorWithToken is the shape of go-yaml's positioned errors.
type yamlErrorWithToken interface {
	GetToken() *token.Token
	GetMessage() string
}

// parseDocument parses data into the body of its single YAML document.
func parseDocument(filename string, data []byte) (ast.Node, Problems) {
	f, err := parser.ParseBytes(data, 0)
	if err != nil {
		return nil, Problems{syntaxProblem(filename, err)}
	}
	var body ast.Node
	for _, doc := range f.Docs {
		switch {
		case doc.Body == nil:
		case body != nil:
			return nil, Problems{problemAt(filename, nodePos(doc.Body), "only one YAML document is allowed")}
		default:
			body = doc.Body
		}
	}
	if body == nil {
		return nil, Problems{{File: filename, Line: 1, Column: 1, Message: "policy is empty"}}
	}
	return body, nil
}

func syntaxProblem(filename string, err error) Problem {
	var ye yamlErrorWithToken
	if errors.As(err, &ye) && ye.GetToken() != nil {
		return problemAt(filename, ye.GetToken().Position, ye.GetMessage())
	}
	return Problem{File: filename, Message: err.Error()}
}

func problemAt(filename string, pos *token.Position, msg string) Problem {
	p := Problem{File: filename, Message: msg}
	if pos != nil {
		p.Line, p.Column = pos.Line, pos.Column
	}
	return p
}

// decoder decodes a syntax tree into a value, collecting every problem
// and the position of every path it decodes.
type decoder struct {
	file     string
	anchors  map[string]ast.Node
	pos      map[string]*token.Position // path -> position of its key or item
	failed   []string                   // paths whose values could not be decoded
	problems Problems
}

func newDecoder(filename string, body ast.Node) *decoder {
	d := &decoder{file: filename, anchors: map[string]ast.Node{}, pos: map[string]*token.Position{}}
	d.pos[""] = nodePos(body)
	ast.Walk(anchorCollector(d.anchors), body)
	return d
}

type anchorCollector map[string]ast.Node

func (a anchorCollector) Visit(n ast.Node) ast.Visitor {
	if an, ok := n.(*ast.AnchorNode); ok {
		a[an.Name.GetToken().Value] = an.Value
	}
	return a
}

// fail records that the value at path could not be decoded.
func (d *decoder) fail(path string, n ast.Node, msg string) {
	d.failed = append(d.failed, path)
	d.report(path, nodePos(n), msg)
}

func (d *decoder) report(path string, pos *token.Position, msg string) {
	if path != "" {
		msg = path + ": " + msg
	}
	d.problems = append(d.problems, problemAt(d.file, pos, msg))
}

// failedAt reports whether path is, or is inside, a value that could not
// be decoded; rule checks on it would only repeat the decoding problem.
func (d *decoder) failedAt(path string) bool {
	for _, f := range d.failed {
		if f == "" || path == f || strings.HasPrefix(path, f+".") || strings.HasPrefix(path, f+"[") {
			return true
		}
	}
	return false
}

// locate returns the position of path, or of its nearest ancestor that
// is in the file (a missing field is reported where its parent is).
func (d *decoder) locate(path string) *token.Position {
	for {
		if pos, ok := d.pos[path]; ok {
			return pos
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			return d.pos[""]
		}
		path = path[:i]
	}
}

// resolve strips tags and anchors and follows aliases.
func (d *decoder) resolve(n ast.Node) ast.Node {
	for range 64 {
		switch v := n.(type) {
		case *ast.TagNode:
			n = v.Value
		case *ast.AnchorNode:
			n = v.Value
		case *ast.AliasNode:
			target, ok := d.anchors[v.Value.GetToken().Value]
			if !ok {
				return n
			}
			n = target
		default:
			return n
		}
	}
	return n
}

var textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()

// value decodes n into v. A missing or null value leaves v zero.
func (d *decoder) value(n ast.Node, v reflect.Value, path string) {
	n = d.resolve(n)
	if n == nil || n.Type() == ast.NullType {
		return
	}
	switch {
	case isText(v):
		d.scalar(n, v, path)
	case v.Kind() == reflect.Struct:
		d.mapping(n, v, path)
	case v.Kind() == reflect.Pointer && v.Type().Elem().Kind() == reflect.Struct:
		// An optional section (reviews.action_items.tracker): present
		// when written.
		v.Set(reflect.New(v.Type().Elem()))
		d.mapping(n, v.Elem(), path)
	case v.Kind() == reflect.Slice:
		d.sequence(n, v, path)
	default:
		d.scalar(n, v, path)
	}
}

func (d *decoder) scalar(n ast.Node, v reflect.Value, path string) {
	if _, ok := n.(ast.ScalarNode); !ok {
		d.fail(path, n, "want "+describe(v.Type()))
		return
	}
	if v.Kind() == reflect.String && !isText(v) && n.Type() != ast.StringType && n.Type() != ast.LiteralType {
		// Keep a number or boolean as written: version: 1.10 is "1.10", not "1.1".
		v.SetString(n.GetToken().Value)
		return
	}
	if err := yaml.NodeToValue(n, v.Addr().Interface()); err != nil {
		d.fail(path, n, scalarMessage(v.Type(), err))
	}
}

func isText(v reflect.Value) bool {
	return reflect.PointerTo(v.Type()).Implements(textUnmarshalerType)
}

// scalarMessage explains a scalar conversion failure: UnmarshalText's own
// message, or the kind of value wanted.
func scalarMessage(t reflect.Type, err error) string {
	var te *yaml.TypeError
	var oe *yaml.OverflowError
	if errors.As(err, &te) || errors.As(err, &oe) {
		return "want " + describe(t)
	}
	return err.Error()
}

// describe names the kind of YAML value a Go type takes.
func describe(t reflect.Type) string {
	switch {
	case reflect.PointerTo(t).Implements(textUnmarshalerType):
		return "a single value"
	case t.Kind() == reflect.Struct:
		return "a mapping of fields"
	case t.Kind() == reflect.Slice:
		return "a list"
	case t.Kind() == reflect.Bool:
		return "true or false"
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Uint64:
		return "a whole number"
	default:
		return "a single value"
	}
}

func (d *decoder) sequence(n ast.Node, v reflect.Value, path string) {
	seq, ok := n.(*ast.SequenceNode)
	if !ok {
		d.fail(path, n, "want "+describe(v.Type()))
		return
	}
	if len(seq.Values) == 0 {
		return
	}
	s := reflect.MakeSlice(v.Type(), len(seq.Values), len(seq.Values))
	for i, item := range seq.Values {
		p := path + "[" + strconv.Itoa(i) + "]"
		d.pos[p] = nodePos(item)
		d.value(item, s.Index(i), p)
	}
	v.Set(s)
}

func (d *decoder) mapping(n ast.Node, v reflect.Value, path string) {
	m, ok := n.(ast.MapNode)
	if !ok {
		d.fail(path, n, "want "+describe(v.Type()))
		return
	}
	fields := yamlFields(v.Type())
	var pairs, merges []*ast.MappingValueNode
	for it := m.MapRange(); it.Next(); {
		if kv := it.KeyValue(); kv.Key.IsMergeKey() {
			merges = append(merges, kv)
		} else {
			pairs = append(pairs, kv)
		}
	}
	// Merged mappings first, so that the mapping's own keys override them.
	for _, kv := range merges {
		d.merge(kv.Value, v, path)
	}
	for _, kv := range pairs {
		d.field(kv, fields, v, path)
	}
}

// merge decodes the mappings of a merge key ("<<: *defaults") into v.
func (d *decoder) merge(n ast.Node, v reflect.Value, path string) {
	n = d.resolve(n)
	if seq, ok := n.(*ast.SequenceNode); ok {
		for _, item := range seq.Values {
			d.mapping(d.resolve(item), v, path)
		}
		return
	}
	d.mapping(n, v, path)
}

func (d *decoder) field(kv *ast.MappingValueNode, fields map[string]int, v reflect.Value, path string) {
	name := keyName(kv.Key)
	i, ok := fields[name]
	if !ok {
		d.report(path, nodePos(kv.Key), fmt.Sprintf("unknown field %q", name))
		return
	}
	p := name
	if path != "" {
		p = path + "." + name
	}
	d.pos[p] = nodePos(kv.Key)
	d.value(kv.Value, v.Field(i), p)
}

// yamlFields maps the YAML names of a struct's fields to their indexes,
// as go-yaml names them: the yaml tag, else the lowercased field name.
func yamlFields(t reflect.Type) map[string]int {
	fields := make(map[string]int, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if !f.IsExported() || name == "-" {
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		fields[name] = i
	}
	return fields
}

func keyName(k ast.Node) string {
	switch v := k.(type) {
	case *ast.StringNode:
		return v.Value
	case *ast.MappingKeyNode:
		return keyName(v.Value)
	case *ast.TagNode:
		return keyName(v.Value)
	}
	return k.GetToken().Value
}

// nodePos is where a node starts: the first key of a mapping, else the
// node's own token.
func nodePos(n ast.Node) *token.Position {
	if m, ok := n.(*ast.MappingNode); ok && len(m.Values) > 0 {
		return nodePos(m.Values[0].Key)
	}
	if kv, ok := n.(*ast.MappingValueNode); ok {
		return nodePos(kv.Key)
	}
	if tk := n.GetToken(); tk != nil {
		return tk.Position
	}
	return nil
}
