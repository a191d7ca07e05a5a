package export

import (
	"fmt"
	"time"

	"github.com/huddle-live/huddle/internal/board"
	"github.com/huddle-live/huddle/internal/session"
)

// boardLabels are the words of the partnership document in one language.
type boardLabels struct {
	lang                                       string
	subtitle, draft                            string
	participants, sector, people, total, team  string
	sectorState, sectorNGO, sectorOther        string
	recommendations, recIntro                  string
	action, responsible, deadline, risk, votes string
	preparedBy, behind, notFilled, bothSides   string
	respState, respNGO, respBoth               string
	themes, appendix, prompt, hint             string
	card, cardTeam, cardAuthor, cardVotes      string
	hiddenNote, merged, earlier, returned      string
	noRecs, notFinal, noCards                  string
	months                                     [12]string
	csvCols                                    []string
	themeWord, yes, no, flagged, hiddenWord    string
	shortState, tallyState, tallyOther         string // short sector names for table heads and vote counts
}

var boardRussian = boardLabels{
	lang:            "ru",
	subtitle:        "Проект модели партнёрства государственных учреждений и НКО",
	draft:           "Подготовлено по итогам хакатона",
	participants:    "Участники",
	sector:          "Сектор",
	people:          "Человек",
	total:           "Всего",
	team:            "Команда",
	sectorState:     "Государственные учреждения",
	sectorNGO:       "НКО",
	sectorOther:     "Не указали",
	recommendations: "Рекомендации",
	recIntro:        "Рекомендации ранжированы по голосам участников: у каждого было %d %s, не больше %d на одну карточку.",
	action:          "Что сделать",
	responsible:     "Кто отвечает",
	deadline:        "Срок",
	risk:            "Риски",
	votes:           "Голоса",
	preparedBy:      "Готовили",
	behind:          "Карточки участников",
	notFilled:       "не заполнено",
	bothSides:       "поддержали обе стороны",
	respState:       "государственное учреждение",
	respNGO:         "НКО",
	respBoth:        "совместно: учреждение и НКО",
	themes:          "Темы",
	appendix:        "Приложение. Все карточки",
	prompt:          "Вопрос",
	hint:            "Подсказка",
	card:            "Карточка",
	cardTeam:        "Команда",
	cardAuthor:      "Автор",
	cardVotes:       "Голоса",
	hiddenNote:      "Карточек, скрытых ведущим: %d (в документ не вошли).",
	merged:          "похожие",
	earlier:         "прежде",
	returned:        "на доработке у команды",
	noRecs:          "Рекомендаций пока нет: голосование ещё не завершено.",
	notFinal:        "Ведущий ещё не утвердил рекомендации: это рабочая версия.",
	noCards:         "Карточек нет.",
	months:          [12]string{"января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября", "ноября", "декабря"},
	csvCols:         []string{"Место", "Рекомендация", "Что сделать", "Кто отвечает", "Срок", "Риски", "Голосов", "Гос. учреждения", "НКО", "Не указали", "Карточки"},
	themeWord:       "Тема",
	yes:             "да",
	no:              "нет",
	flagged:         "грубое слово?",
	hiddenWord:      "скрыта",
	shortState:      "Учреждения",
	tallyState:      "учреждения",
	tallyOther:      "не указали",
}

var boardEnglish = boardLabels{
	lang:            "en",
	subtitle:        "Draft model of partnership between state institutions and NGOs",
	draft:           "Prepared at the hackathon",
	participants:    "Participants",
	sector:          "Sector",
	people:          "People",
	total:           "Total",
	team:            "Team",
	sectorState:     "State institutions",
	sectorNGO:       "NGOs",
	sectorOther:     "Not stated",
	recommendations: "Recommendations",
	recIntro:        "Recommendations are ranked by the participants' votes: everyone had %d %s, at most %d on one card.",
	action:          "Action",
	responsible:     "Responsible",
	deadline:        "Deadline",
	risk:            "Risks",
	votes:           "Votes",
	preparedBy:      "Prepared by",
	behind:          "Participants' cards",
	notFilled:       "not filled in",
	bothSides:       "backed by both sides",
	respState:       "state institution",
	respNGO:         "NGO",
	respBoth:        "jointly: institution and NGO",
	themes:          "Themes",
	appendix:        "Appendix. All cards",
	prompt:          "Prompt",
	hint:            "Hint",
	card:            "Card",
	cardTeam:        "Team",
	cardAuthor:      "Author",
	cardVotes:       "Votes",
	hiddenNote:      "Cards hidden by the facilitator: %d (left out of this document).",
	merged:          "similar",
	earlier:         "earlier",
	returned:        "back with its team for rewording",
	noRecs:          "No recommendations yet: the vote is not over.",
	notFinal:        "The facilitator has not finalised the recommendations yet: this is a working copy.",
	noCards:         "No cards.",
	months:          [12]string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
	csvCols:         []string{"Rank", "Recommendation", "Action", "Responsible", "Deadline", "Risks", "Votes", "State institutions", "NGOs", "Not stated", "Cards"},
	themeWord:       "Theme",
	yes:             "yes",
	no:              "no",
	flagged:         "rude word?",
	hiddenWord:      "hidden",
	shortState:      "Institutions",
	tallyState:      "institutions",
	tallyOther:      "not stated",
}

func boardLabelsFor(lang string) *boardLabels {
	if labelsFor(lang) == &english {
		return &boardEnglish
	}
	return &boardRussian
}

// date writes a day as people write it: "14 марта 2026", "14 March 2026".
func (l *boardLabels) date(t time.Time) string {
	return fmt.Sprintf("%d %s %d", t.Day(), l.months[t.Month()-1], t.Year())
}

// dots says "5 голосов" or "5 votes" with the right plural.
func (l *boardLabels) dots(n int) string {
	if l.lang == "en" {
		if n == 1 {
			return "vote"
		}
		return "votes"
	}
	switch {
	case n%10 == 1 && n%100 != 11:
		return "голос"
	case n%10 >= 2 && n%10 <= 4 && (n%100 < 12 || n%100 > 14):
		return "голоса"
	}
	return "голосов"
}

func (l *boardLabels) responsibleText(r string) string {
	switch r {
	case board.ResponsibleState:
		return l.respState
	case board.ResponsibleNGO:
		return l.respNGO
	case board.ResponsibleBoth:
		return l.respBoth
	}
	return ""
}

// tallyText says "12 голосов (учреждения — 7, НКО — 5; поддержали обе стороны)".
func (l *boardLabels) tallyText(t board.Tally) string {
	s := fmt.Sprintf("%d %s", t.Total, l.dots(t.Total))
	if t.Total == 0 {
		return s
	}
	s += fmt.Sprintf(" (%s — %d, %s — %d", l.tallyState, t.State, l.sectorNGO, t.NGO)
	if t.Other > 0 {
		s += fmt.Sprintf(", %s — %d", l.tallyOther, t.Other)
	}
	s += ")"
	if t.Both() {
		s += "; " + l.bothSides
	}
	return s
}

// orBlank is a field's text, or "not filled in".
func (l *boardLabels) orBlank(s string) string {
	if s == "" {
		return "—" + " " + l.notFilled
	}
	return s
}

// cardBy says whose a card is where the scenario shows it: "Команда «Совы»,
// Анна" or "".
func cardBy(c session.CardOut) string {
	switch {
	case c.Team != "" && c.Author != "":
		return c.Team + ", " + c.Author
	case c.Team != "":
		return c.Team
	}
	return c.Author
}

// visibleCards are the cards a document shows: not hidden, not merged into
// another (those are listed under it).
func visibleCards(cards []session.CardOut) []session.CardOut {
	out := []session.CardOut{}
	for _, c := range cards {
		if !c.Hidden && c.MergedInto == "" {
			out = append(out, c)
		}
	}
	return out
}

func hiddenCount(cards []session.CardOut) int {
	n := 0
	for _, c := range cards {
		if c.Hidden {
			n++
		}
	}
	return n
}
