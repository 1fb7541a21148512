package auth

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"
)

func TestEffectiveMinLength(t *testing.T) {
	tests := []struct{ min, want int }{
		{0, 15},
		{-3, 15},
		{1, 8},
		{7, 8},
		{8, 8},
		{12, 12},
		{64, 64},
		{256, 256},
		{1000, 256},
	}
	for _, tt := range tests {
		if got := (PasswordRules{MinLength: tt.min}).EffectiveMinLength(); got != tt.want {
			t.Errorf("EffectiveMinLength(MinLength %d) = %d, want %d", tt.min, got, tt.want)
		}
	}
}

func TestDescribe(t *testing.T) {
	tests := []struct {
		name  string
		rules PasswordRules
		want  []string
	}{
		{"default", PasswordRules{}, []string{
			"At least 15 characters.",
			"At most 256 characters.",
			"Not a commonly used password, and not your name, user name or email.",
		}},
		{"all composition rules", PasswordRules{MinLength: 12, RequireUpper: true, RequireLower: true, RequireDigit: true, RequireSymbol: true}, []string{
			"At least 12 characters.",
			"At most 256 characters.",
			"Not a commonly used password, and not your name, user name or email.",
			"At least one upper-case letter.",
			"At least one lower-case letter.",
			"At least one digit.",
			"At least one symbol (a character that is not a letter, digit or space).",
		}},
		{"digit only", PasswordRules{MinLength: 4, RequireDigit: true}, []string{
			"At least 8 characters.",
			"At most 256 characters.",
			"Not a commonly used password, and not your name, user name or email.",
			"At least one digit.",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, tt.rules.Describe()); diff != "" {
				t.Errorf("Describe() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// jane is the person choosing passwords in the tests below.
var jane = PersonalInfo{
	Username:    "jroe",
	Email:       "jane.roe@example.org",
	FirstName:   "Jane",
	LastName:    "Roe-Whitfield",
	DisplayName: "Jane Roe, BCBA",
}

func TestCheckAccepts(t *testing.T) {
	for _, pw := range []string{
		"correct horse battery staple",
		"Correct Horse Battery Staple",
		"correct-horse-battery-staple",
		"purple elephants dance at noon",
		"my football team lost on tuesday again", // common words inside a phrase
		"sunshine over the quiet harbour",
		"kx9#Tq2!vLm8$wRz",
		"Zürich ist schön im Frühling",
		"пароль не угадать никогда",
		"密码学是一门很有趣的学科真的非常有趣",
		"🔑🦄 tastes like blue thunder 🌩",
		"the year 2024 was a strange one",
		"abcdefg hijk mountain lion",
		"q8v!TZ0e pw hunter2 ox",
		randomish(256),
	} {
		t.Run(pw, func(t *testing.T) {
			if got := (PasswordRules{}).Check(pw, jane); len(got) != 0 {
				t.Errorf("Check(%q) = %q, want no problems", pw, got)
			}
		})
	}
}

func TestCheckLength(t *testing.T) {
	rules := PasswordRules{}
	tests := []struct {
		name string
		pw   string
		want []string
	}{
		{"empty", "", []string{"must be at least 15 characters"}},
		{"14 characters", "zq8vtkwpmrlxnh", []string{"must be at least 15 characters"}},
		{"15 characters", "zq8vtkwpmrlxnhb", nil},
		// Characters, not bytes: 15 runes of 2-4 bytes each are enough,
		// and 14 are not.
		{"15 non-ASCII", "žluťoučkýkůňúpě", nil},
		{"14 emoji", "🦄🌩🔑🍋🎻🚲🧭🪁🦔🌵🧲🛶🪐🥨", []string{"must be at least 15 characters"}},
		{"256 characters", "ř" + randomish(255), nil},
		{"257 characters", "x" + randomish(256), []string{"must be at most 256 characters"}},
		{"very long and common", strings.Repeat("password", 1000), []string{"must be at most 256 characters"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := rules.Check(tt.pw, PersonalInfo{})
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Check mismatch (-want +got):\n%s", diff)
			}
		})
	}

	short := PasswordRules{MinLength: 10}
	if got := short.Check("zq8vtkwpmr", PersonalInfo{}); len(got) != 0 {
		t.Errorf("MinLength 10: Check(10 characters) = %q", got)
	}
	if got := short.Check("zq8vtkwpm", PersonalInfo{}); !slices.Equal(got, []string{"must be at least 10 characters"}) {
		t.Errorf("MinLength 10: Check(9 characters) = %q", got)
	}
	floor := PasswordRules{MinLength: 3}
	if got := floor.Check("zq8vtkw", PersonalInfo{}); !slices.Equal(got, []string{"must be at least 8 characters"}) {
		t.Errorf("MinLength 3: Check(7 characters) = %q, want the floor of 8", got)
	}
}

// randomish returns n letters and digits that form no pattern or word.
func randomish(n int) string {
	const alphabet = "k7qzv2mxw9tbh4rjpn3fgcd8ys6" // 27, coprime with the step
	var b strings.Builder
	for i := range n {
		b.WriteByte(alphabet[(i*i*7+i*11+3)%len(alphabet)])
	}
	return b.String()
}

func TestCheckRejectsCommon(t *testing.T) {
	rules := PasswordRules{MinLength: 8}
	for _, pw := range []string{
		"password",
		"Password",
		"PASSWORD",
		"password1",
		"Password123!",
		"p@ssw0rd",
		"P@$$W0RD2024",
		"!!password!!",
		"2024password",
		"passwordpassword",
		"passwordpassword123",
		"PasswordPasswordPassword",
		"pass word",
		"letmein!",
		"1etmein1",
		"l3tm31n!",
		"trustno1",
		"TrustNo1!",
		"iloveyou",
		"i love you",
		"ILoveYou2023",
		"football",
		"football1987",
		"footballfootball",
		"dragon12",
		"monkey123",
		"sunshine",
		"princess",
		"welcome1",
		"Welcome@2025",
		"admin123",
		"@dmin2024",
		"changeme",
		"ch4ng3m3",
		"qwerty123",
		"qwertyuiop",
		"1qaz2wsx",
		"asdfghjkl",
		"zaq1zaq1",
		"monkeydragon",
		"Sunshine&Rainbow",
		"footballbaseball2",
		"superman2020",
		"roster2026",
	} {
		t.Run(pw, func(t *testing.T) {
			got := rules.Check(pw, PersonalInfo{})
			if !slices.Contains(got, problemCommon) {
				t.Errorf("Check(%q) = %q, want %q", pw, got, problemCommon)
			}
		})
	}
}

func TestCheckRejectsPredictable(t *testing.T) {
	rules := PasswordRules{}
	for _, pw := range []string{
		"aaaaaaaaaaaaaaa",
		"               ",
		"111111111111111111",
		"ééééééééééééééééé",
		"🔑🔑🔑🔑🔑🔑🔑🔑🔑🔑🔑🔑🔑🔑🔑",
		"abcabcabcabcabc",
		"AbcAbcAbcAbcAbc",
		"abc-abc-abc-abc-abc",
		"xk7xk7xk7xk7xk7xk7",
		"horsehorsehorse",
		"correcthorsecorrecthorse", // a 12-character unit is shorter than 15
		"123456789012345",
		"1234567890123456789",
		"987654321098765",
		"abcdefghijklmno",
		"ABCDEFGHIJKLMNOP",
		"onmlkjihgfedcba",
		"uvwxyzabcdefghi",
		"a b c d e f g h i j k l m n o",
		"qwertyuiopasdfg",
		"mnbvcxzlkjhgfdsa",
		"1qaz2wsx3edc4rfv",
		"1q2w3e4r5t6y7u8i",
		"qazwsxedcrfvtgb",
		"abcdefgh12345678",
		"12345678abcdefgh",
		"aaaaaaaazzzzzzz",
		"zzzzzzzzzzzzzz1",
		"!@#$%^&*()!@#$%^",
		strings.Repeat("ab9Z", 64),
	} {
		t.Run(pw, func(t *testing.T) {
			got := rules.Check(pw, PersonalInfo{})
			if !slices.Contains(got, problemPredictable) && !slices.Contains(got, problemCommon) {
				t.Errorf("Check(%q) = %q, want %q", pw, got, problemPredictable)
			}
		})
	}

	// A long passphrase said twice is not a short repeated unit.
	twice := "purple elephants dance at noon purple elephants dance at noon"
	if got := rules.Check(twice, PersonalInfo{}); len(got) != 0 {
		t.Errorf("Check(%q) = %q, want no problems", twice, got)
	}
}

func TestCheckPersonal(t *testing.T) {
	rules := PasswordRules{}
	for _, tt := range []struct {
		pw   string
		want bool
	}{
		{"jroe likes long walks", true},
		{"JROE LIKES LONG WALKS", true},
		{"jr0e likes long walks", true},
		{"my address is jane.roe@example.org", true},
		{"jane.roe is my name and I hate it", true},
		{"janeroe-janeroe-janeroe", true},
		{"zq8vtkwp Jane mrlxnhb", true},
		{"zq8vtkwp j4ne mrlxnhb", true},
		{"zq8vtkwpWhitfieldmrl", true},
		{"zq8vtkwp roe mrlxnhbq", true},
		{"my bcba certificate is framed", true},
		{"correct horse battery staple", false},
		{"example.org is where I work all day", false}, // the domain alone is fine
		{"jr and zq8vtkwp mrlxnhbq", false},            // "jr" is too short to count
	} {
		t.Run(tt.pw, func(t *testing.T) {
			got := slices.Contains(rules.Check(tt.pw, jane), problemPersonal)
			if got != tt.want {
				t.Errorf("Check(%q) personal = %v, want %v", tt.pw, got, tt.want)
			}
		})
	}

	// Short or missing personal information is ignored.
	who := PersonalInfo{Username: "al", FirstName: "Li", LastName: "", Email: "x@y.z"}
	if got := rules.Check("alpine lilies grow by the lake", who); len(got) != 0 {
		t.Errorf("short personal info: Check = %q, want no problems", got)
	}
	if got := rules.Check("x@y.z and a long enough phrase", who); !slices.Contains(got, problemPersonal) {
		t.Errorf("whole email: Check = %q, want %q", got, problemPersonal)
	}
}

func TestCheckComposition(t *testing.T) {
	all := PasswordRules{RequireUpper: true, RequireLower: true, RequireDigit: true, RequireSymbol: true}
	tests := []struct {
		pw   string
		want []string
	}{
		{"Purple Elephants 4 Noon!", nil},
		{"purple elephants for noon", []string{problemUpper, problemDigit, problemSymbol}},
		{"PURPLE ELEPHANTS 4 NOON!", []string{problemLower}},
		{"Purple Elephants Four Noon!", []string{problemDigit}},
		{"Purple Elephants 4 Noon", []string{problemSymbol}}, // spaces are not symbols
		{"Ärger über Öl 4 Straßen §", nil},                   // Unicode letters count
		{"Purple Elephants ٤ Noon!", nil},                    // so do other scripts' digits
		{"Purple Elephants 4 Noon 🐘", nil},                   // an emoji is a symbol
		{"密码学是一门很有趣的学科真的非常有趣", []string{problemUpper, problemLower, problemDigit, problemSymbol}}, // no case
	}
	for _, tt := range tests {
		t.Run(tt.pw, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, all.Check(tt.pw, PersonalInfo{})); diff != "" {
				t.Errorf("Check mismatch (-want +got):\n%s", diff)
			}
		})
	}
	// Composition rules are off by default.
	if got := (PasswordRules{}).Check("purple elephants for noon", PersonalInfo{}); len(got) != 0 {
		t.Errorf("default rules: Check = %q, want no problems", got)
	}
}

func TestCheckReportsEveryProblem(t *testing.T) {
	rules := PasswordRules{RequireDigit: true}
	got := rules.Check("dragonjroe", PersonalInfo{Username: "jroe"})
	want := []string{"must be at least 15 characters", problemPersonal, problemDigit}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Check mismatch (-want +got):\n%s", diff)
	}
	got = rules.Check("password", PersonalInfo{FirstName: "Word"})
	want = []string{"must be at least 15 characters", problemCommon, problemPersonal, problemDigit}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Check mismatch (-want +got):\n%s", diff)
	}
}

func TestNewBlocklist(t *testing.T) {
	b, err := NewBlocklist(nil)
	if err != nil {
		t.Fatalf("NewBlocklist(nil): %v", err)
	}
	if n := len(b.words); n < 300 {
		t.Fatalf("built-in list has %d folded entries, want a few hundred", n)
	}
	for w := range b.words {
		if w != strings.ToLower(w) || w != alnumOnly(w) || w != trimNonLetters(w) {
			t.Errorf("entry %q is not folded", w)
		}
	}

	const breached = "\ufeff# operator's list of breached passwords\r\n" +
		"Tr0ub4dor&3\r\n" +
		"\r\n" +
		"  blue mango sandwich  \n" +
		"#not-a-comment-entry\n" +
		"123456789\n" + // folds to nothing
		"last line without a newline"
	ext, err := NewBlocklist(strings.NewReader(breached))
	if err != nil {
		t.Fatalf("NewBlocklist(extra): %v", err)
	}
	rules := PasswordRules{MinLength: 8}
	for _, pw := range []string{
		"Tr0ub4dor&3", "troubador&3", "TROUB4DOR&2024",
		"blue mango sandwich", "BlueMangoSandwich!",
		"last line without a newline",
		"password", // the built-in list is still there
	} {
		if got := ext.Check(rules, pw, PersonalInfo{}); !slices.Contains(got, problemCommon) {
			t.Errorf("extra list: Check(%q) = %q, want %q", pw, got, problemCommon)
		}
	}
	for _, pw := range []string{"blue mango", "mango sandwich", "operator's list of breached passwords"} {
		if got := ext.Check(rules, pw, PersonalInfo{}); len(got) != 0 {
			t.Errorf("extra list: Check(%q) = %q, want no problems", pw, got)
		}
	}
	// The built-in list alone does not know the operator's entries.
	if got := rules.Check("blue mango sandwich", PersonalInfo{}); len(got) != 0 {
		t.Errorf("built-in list: Check(blue mango sandwich) = %q", got)
	}
	// A nil Blocklist is the built-in list.
	var none *Blocklist
	if got := none.Check(rules, "letmein!", PersonalInfo{}); !slices.Contains(got, problemCommon) {
		t.Errorf("nil Blocklist: Check(letmein!) = %q", got)
	}
}

func TestNewBlocklistErrors(t *testing.T) {
	readErr := errors.New("disk on fire")
	if _, err := NewBlocklist(iotest.ErrReader(readErr)); !errors.Is(err, readErr) {
		t.Errorf("NewBlocklist(failing reader) error = %v, want %v", err, readErr)
	}
	huge := strings.NewReader("ok\n" + strings.Repeat("x", maxBlocklistLine+1))
	if _, err := NewBlocklist(huge); err == nil {
		t.Error("NewBlocklist accepted a line longer than 64 KiB")
	}
}

func TestFold(t *testing.T) {
	tests := []struct {
		in   string
		want []string // among the forms
		not  []string // not among them
	}{
		{"password", []string{"password"}, nil},
		{"P@ssw0rd!", []string{"password"}, nil},
		{"Password123", []string{"password"}, []string{"password123"}},
		{"@dmin2024", []string{"admin", "dmin"}, nil},
		{"trustno1", []string{"trustno", "trustnoi", "trustnol"}, nil},
		{"1etmein1", []string{"letmein", "etmein"}, nil},
		{"l3tm3!n", []string{"letmein"}, nil},
		{"pass word", []string{"password"}, nil},
		{"p_a-s.s w/o:r d", []string{"password"}, nil},
		{"Ünïcödé 42", []string{"ünïcödé"}, nil},
		{"ΜΥΣΤΙΚΌ", []string{"μυστικό"}, nil},
	}
	for _, tt := range tests {
		got := fold(tt.in)
		for _, w := range tt.want {
			if !slices.Contains(got, w) {
				t.Errorf("fold(%q) = %q, want it to include %q", tt.in, got, w)
			}
		}
		for _, w := range tt.not {
			if slices.Contains(got, w) {
				t.Errorf("fold(%q) = %q, want it not to include %q", tt.in, got, w)
			}
		}
		for _, f := range got {
			if f == "" || f != trimNonLetters(f) || f != alnumOnly(f) {
				t.Errorf("fold(%q) has the unfolded form %q", tt.in, f)
			}
		}
	}
	for _, in := range []string{"", "#%&", " ", "\xff", "2", "28"} {
		if got := fold(in); len(got) != 0 {
			t.Errorf("fold(%q) = %q, want nothing", in, got)
		}
	}
}

func FuzzCheck(f *testing.F) {
	for _, s := range []string{"", "password", "correct horse battery staple", "abcabc", "\xff\xfe", "ø1@$"} {
		f.Add(s)
	}
	b, err := NewBlocklist(nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, pw string) {
		got := b.Check(PasswordRules{}, pw, jane)
		if len(got) == 0 && len([]rune(pw)) < 15 {
			t.Fatalf("Check(%q) accepted a short password", pw)
		}
	})
}
