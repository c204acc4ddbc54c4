package planner

import (
	"sort"
	"sync"
)

// Capabilities are what one kind of database can do, as its provider
// declares them (RegisterCapabilities, from the provider's init). Kinds ask
// for capabilities (Kind.Requires) instead of naming databases, so a new
// provider only says what it can do.
type Capabilities struct {
	// Database is the database's name for messages, e.g. "Oracle".
	Database string
	// EmptyStringIsNull is true where '' is stored as NULL (Oracle).
	EmptyStringIsNull bool
	// RegexReplace is true where SQL can replace by regular expression.
	RegexReplace bool
	// AlterColumnType is true where a column's type changes in place.
	AlterColumnType bool
	// Reencode is true where SQL can re-read a text's bytes in another
	// character set reliably (mojibake for encoding_corruption).
	Reencode bool
}

// Requirement is a capability a kind needs, with the reason given where a
// database lacks it.
type Requirement struct {
	// Has reports whether the database can.
	Has func(Capabilities) bool
	// Why says why the kind cannot run where Has is false.
	Why func(Capabilities) string
}

var (
	capsMu sync.RWMutex
	caps   = map[string]Capabilities{}
)

// RegisterCapabilities declares what databases of sourceType can do.
func RegisterCapabilities(sourceType string, c Capabilities) {
	capsMu.Lock()
	defer capsMu.Unlock()
	caps[sourceType] = c
}

// CapabilitiesOf returns what databases of sourceType can do; ok is false
// when no provider declared them (then nothing is assumed missing).
func CapabilitiesOf(sourceType string) (c Capabilities, ok bool) {
	capsMu.RLock()
	defer capsMu.RUnlock()
	c, ok = caps[sourceType]
	return c, ok
}

// registeredTypes lists the source types with declared capabilities.
func registeredTypes() []string {
	capsMu.RLock()
	defer capsMu.RUnlock()
	out := make([]string, 0, len(caps))
	for t := range caps {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// UnsupportedOn says why the kind cannot run on databases of sourceType,
// or "" when it can (or the type declared no capabilities).
func (k *Kind) UnsupportedOn(sourceType string) string {
	c, ok := CapabilitiesOf(sourceType)
	if !ok {
		return ""
	}
	for _, r := range k.Requires {
		if !r.Has(c) {
			return r.Why(c)
		}
	}
	return ""
}

// Unsupported maps each declared source type the kind cannot run on to
// the reason.
func (k *Kind) Unsupported() map[string]string {
	out := map[string]string{}
	for _, t := range registeredTypes() {
		if why := k.UnsupportedOn(t); why != "" {
			out[t] = why
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// caps returns the capabilities of the anomaly's source (the zero value
// when unknown).
func (b *build) caps() Capabilities {
	if a := b.Anomaly; a.Target != nil && a.Target.Source != nil {
		c, _ := CapabilitiesOf(a.Target.Source.Type)
		return c
	}
	return Capabilities{}
}
