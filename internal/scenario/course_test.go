package scenario

import (
	"encoding/json"
	"testing"
)

// TestCourseCopiesItsStages keeps the shipped course day in step with the
// scenarios it is made of: a scenario cannot include another file, so the
// course copies their stages, and this test fails when a copy drifts.
func TestCourseCopiesItsStages(t *testing.T) {
	for _, lang := range []string{"ru", "en"} {
		course, err := Load("../../scenarios/course." + lang + ".yaml")
		if err != nil {
			t.Fatal(err)
		}
		if course.Language != lang {
			t.Errorf("course.%s.yaml: language %q", lang, course.Language)
		}
		var want []Stage
		for _, part := range []string{"partnership-quiz", "ngo-day", "partnership-board"} {
			sc, err := Load("../../scenarios/" + part + "." + lang + ".yaml")
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, sc.Stages...)
		}
		if len(course.Stages) != len(want) {
			t.Fatalf("course.%s.yaml: %d stages, want %d", lang, len(course.Stages), len(want))
		}
		for i := range want {
			// Compared as JSON: positions in the file (json:"-") differ.
			got, _ := json.Marshal(course.Stages[i])
			src, _ := json.Marshal(want[i])
			if string(got) != string(src) {
				t.Errorf("course.%s.yaml: stage %d (%s) differs from its source", lang, i, want[i].ID)
			}
		}
	}
}

// TestCourseTranslationsMatch: the Russian and English course days have the
// same stages of the same kinds, and the same number of teams.
func TestCourseTranslationsMatch(t *testing.T) {
	ru, err := Load("../../scenarios/course.ru.yaml")
	if err != nil {
		t.Fatal(err)
	}
	en, err := Load("../../scenarios/course.en.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(ru.Teams) != len(en.Teams) || len(ru.Stages) != len(en.Stages) {
		t.Fatalf("ru: %d teams, %d stages; en: %d teams, %d stages", len(ru.Teams), len(ru.Stages), len(en.Teams), len(en.Stages))
	}
	kinds := map[StageKind]bool{}
	for i := range ru.Stages {
		if ru.Stages[i].ID != en.Stages[i].ID || ru.Stages[i].Kind != en.Stages[i].Kind {
			t.Errorf("stage %d: ru %s (%s), en %s (%s)", i, ru.Stages[i].ID, ru.Stages[i].Kind, en.Stages[i].ID, en.Stages[i].Kind)
		}
		kinds[ru.Stages[i].Kind] = true
	}
	if !kinds[KindQuiz] || !kinds[KindGame] || !kinds[KindBoard] {
		t.Errorf("the course day plays a quiz, a game and a board; got %v", kinds)
	}
}
