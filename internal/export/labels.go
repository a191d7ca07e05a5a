package export

import (
	"strings"

	"github.com/huddle-live/huddle/internal/game"
	"github.com/huddle-live/huddle/internal/quiz"
	"github.com/huddle-live/huddle/internal/scenario"
)

// labels are the words of an export in one language.
type labels struct {
	teamsSheet, playersSheet, questionsSheet, answersSheet string

	teamCols, playerCols, questionCols, answerCols []string

	yes, no  string
	types    map[string]string
	closedBy map[string]string

	gameSheet, gamePathSheet string
	gameCols, gamePathCols   []string // meter names follow
	decidedBy                map[string]string

	recSheet string   // a day's board recommendations
	recCols  []string // stage, rank, recommendation, action, responsible, deadline, risk, votes, teams
	lang     string   // for the board's own labels
}

var russian = labels{
	teamsSheet:     "Команды",
	playersSheet:   "Участники",
	questionsSheet: "Вопросы",
	answersSheet:   "Ответы",
	teamCols:       []string{"Место", "Команда", "Участников", "Очки", "Верных ответов"},
	playerCols:     []string{"Место", "Имя", "Команда", "Очки", "Верных ответов"},
	questionCols:   []string{"№", "Вопрос", "Тип", "Правильный ответ", "Ответов", "Верных", "Закрыт"},
	answerCols: []string{"№ вопроса", "Вопрос", "Тип", "Правильный ответ", "Участник", "Команда",
		"Ответ", "Секунд", "Верно", "Очки", "Засчитан"},
	yes: "да",
	no:  "нет",
	types: map[string]string{
		string(scenario.Single):    "один вариант",
		string(scenario.Multiple):  "несколько вариантов",
		string(scenario.TrueFalse): "верно или нет",
		string(scenario.Numeric):   "число",
		string(scenario.Text):      "текст",
		string(scenario.Poll):      "опрос",
	},
	closedBy: map[string]string{
		quiz.ClosedByTime: "по времени",
		quiz.ClosedByAll:  "все ответили",
		quiz.ClosedByHost: "ведущим",
		quiz.ClosedBySkip: "пропущен ведущим",
	},
	recSheet:      "Рекомендации",
	recCols:       []string{"Этап", "Место", "Рекомендация", "Что сделать", "Кто отвечает", "Срок", "Риск", "Голосов", "Команды"},
	lang:          "ru",
	gameSheet:     "Итоги игры",
	gamePathSheet: "Пути в игре",
	gameCols:      []string{"Этап", "Место", "Команда", "Баланс", "Показателей вне нормы", "Финалы"},
	gamePathCols:  []string{"Этап", "Команда", "Кейс", "Шаг", "Решение", "Почему", "Как принято"},
	decidedBy: map[string]string{
		game.ByTeam:    "командой",
		game.ByTime:    "время вышло, предложение команды",
		game.ByDefault: "время вышло, вариант по умолчанию",
		game.ByHost:    "остановлены ведущим",
		game.ByEvent:   "событие",
	},
}

var english = labels{
	teamsSheet:     "Teams",
	playersSheet:   "Players",
	questionsSheet: "Questions",
	answersSheet:   "Answers",
	teamCols:       []string{"Rank", "Team", "Players", "Points", "Correct"},
	playerCols:     []string{"Rank", "Name", "Team", "Points", "Correct"},
	questionCols:   []string{"No.", "Question", "Type", "Correct answer", "Answers", "Correct", "Closed by"},
	answerCols: []string{"Question no.", "Question", "Type", "Correct answer", "Player", "Team",
		"Answer", "Seconds", "Correct", "Points", "Counted"},
	yes: "yes",
	no:  "no",
	types: map[string]string{
		string(scenario.Single):    "single choice",
		string(scenario.Multiple):  "multiple choice",
		string(scenario.TrueFalse): "true or false",
		string(scenario.Numeric):   "number",
		string(scenario.Text):      "text",
		string(scenario.Poll):      "poll",
	},
	closedBy: map[string]string{
		quiz.ClosedByTime: "time ran out",
		quiz.ClosedByAll:  "all answered",
		quiz.ClosedByHost: "host",
		quiz.ClosedBySkip: "skipped by the host",
	},
	recSheet:      "Recommendations",
	recCols:       []string{"Stage", "Rank", "Recommendation", "Action", "Responsible", "Deadline", "Risk", "Votes", "Teams"},
	lang:          "en",
	gameSheet:     "Game results",
	gamePathSheet: "Game paths",
	gameCols:      []string{"Stage", "Rank", "Team", "Balance", "Meters out of range", "Endings"},
	gamePathCols:  []string{"Stage", "Team", "Case", "Step", "Decision", "Why", "Decided by"},
	decidedBy: map[string]string{
		game.ByTeam:    "team",
		game.ByTime:    "time ran out, team's proposal",
		game.ByDefault: "time ran out, default choice",
		game.ByHost:    "stopped by the facilitator",
		game.ByEvent:   "event",
	},
}

// labelsFor picks English for "en" (and "en-GB" and the like), Russian for
// anything else.
func labelsFor(lang string) *labels {
	lang = strings.ToLower(lang)
	if lang == "en" || strings.HasPrefix(lang, "en-") || strings.HasPrefix(lang, "en_") {
		return &english
	}
	return &russian
}

func (l *labels) yesNo(b bool) string {
	if b {
		return l.yes
	}
	return l.no
}

// questionType names a question type; an unknown one is shown as it is.
func (l *labels) questionType(t string) string {
	if s, ok := l.types[t]; ok {
		return s
	}
	return t
}

// closedByLabel says why a question closed; an unknown reason is shown as it is.
func (l *labels) closedByLabel(by string) string {
	if s, ok := l.closedBy[by]; ok {
		return s
	}
	return by
}

// decided says how a game step was decided; an unknown way is shown as it is.
func (l *labels) decided(by string) string {
	if s, ok := l.decidedBy[by]; ok {
		return s
	}
	return by
}
