package session

import (
	"errors"
	"net/http"

	"github.com/huddle-live/huddle/internal/board"
	"github.com/huddle-live/huddle/internal/game"
	"github.com/huddle-live/huddle/internal/quiz"
)

// WebSocket close codes a room asks for.
const (
	StatusPolicy  = 1008 // unauthorized, kicked, or too slow to read
	StatusRestart = 1012 // the server is restarting; reconnect
)

// Errors of commands and requests, each mapped to a protocol code in
// errorCodes.
var (
	ErrForbidden      = errors.New("room: not allowed for this role")
	ErrUnauthorized   = errors.New("room: unknown token")
	ErrNotFound       = errors.New("room: not found")
	ErrGone           = errors.New("room: no such room here: it expired or never existed")
	ErrWrongPhase     = errors.New("room: not possible now")
	ErrFinished       = errors.New("room: finished")
	ErrBadRequest     = errors.New("room: bad request")
	ErrStopped        = errors.New("room: stopped")
	ErrShutdown       = errors.New("room: server is shutting down")
	ErrTooManyRooms   = errors.New("room: as many live rooms as the server may hold")
	ErrRateLimited    = errors.New("room: too many requests")
	ErrTooManyConns   = errors.New("room: too many connections for one token")
	ErrStorage        = errors.New("room: storage unavailable and the buffer is full")
	ErrStoreDown      = errors.New("room: the store does not answer") // with several processes: whether a room exists is unknown
	ErrRoomsPerClient = errors.New("room: too many rooms created from one client")
	ErrCrossSite      = errors.New("room: cross-site request")
	ErrMediaType      = errors.New("room: request body is not JSON")

	ErrBadName   = errors.New("room: name must be 1 to 40 characters")
	ErrNameTaken = errors.New("room: name taken")
	ErrNoTeam    = errors.New("room: no such team")
	ErrLocked    = errors.New("room: locked to new players")
	ErrRoomFull  = errors.New("room: as many players as the room may hold")
	ErrRemoved   = errors.New("room: removed by the host")

	// ErrBadText is a card or field text that is empty or too long.
	ErrBadText = errors.New("room: text empty or too long")

	// ErrDuplicate marks a command already accepted earlier: acknowledged,
	// not logged.
	ErrDuplicate = errors.New("room: duplicate")
)

// Code is a protocol error code: what a client receives as "code" in an
// error frame and as "error" in an HTTP error, and what it may switch on.
type Code string

// Protocol error codes; docs/protocol.md lists them. Each has one row in
// codeTable.
const (
	CodeBadRequest         Code = "bad_request"
	CodeUnauthorized       Code = "unauthorized"
	CodeForbidden          Code = "forbidden"
	CodeNotFound           Code = "not_found"
	CodeRoomGone           Code = "room_gone"
	CodeRoomFinished       Code = "room_finished"
	CodeQuestionClosed     Code = "question_closed"
	CodePaused             Code = "paused"
	CodeAlreadyAnswered    Code = "already_answered"
	CodeInvalidChoice      Code = "invalid_choice"
	CodeWrongPhase         Code = "wrong_phase"
	CodeRoomLocked         Code = "room_locked"
	CodeRoomFull           Code = "room_full"
	CodeRemoved            Code = "removed"
	CodeTooManyRooms       Code = "too_many_rooms"
	CodeRateLimited        Code = "rate_limited"
	CodeTooManyConnections Code = "too_many_connections"
	CodeNameTaken          Code = "name_taken"
	CodeBadName            Code = "bad_name"
	CodeUnavailable        Code = "unavailable"
	CodeStorageUnavailable Code = "storage_unavailable"
	CodeInternal           Code = "internal"

	// A game stage's.
	CodeCaptainOnly       Code = "captain_only"
	CodeMovedOn           Code = "moved_on"
	CodeChoiceUnavailable Code = "choice_unavailable"
	CodeEventUsed         Code = "event_used"

	// A board stage's.
	CodeNotYourTeam Code = "not_your_team"
	CodeBadText     Code = "bad_text"
	CodeCardLimit   Code = "card_limit"
	CodeNoDots      Code = "no_dots"
	CodeCardCap     Code = "card_cap"
	CodeOwnTeam     Code = "own_team"
	CodeRecFinal    Code = "rec_final"

	// Facilitators' accounts and the checks on state-changing requests.
	CodeSignInRequired Code = "sign_in_required"
	CodeBadCredentials Code = "bad_credentials"
	CodeLoginTaken     Code = "login_taken"
	CodeBadLogin       Code = "bad_login"
	CodeBadPassword    Code = "bad_password"
	CodeLinkInvalid    Code = "link_invalid"
	CodeOwnerOnly      Code = "owner_only"
	CodeNoFacilitator  Code = "no_facilitator"
	CodeCrossSite      Code = "cross_site"
	CodeMediaType      Code = "unsupported_media_type"
	CodeRoomsPerClient Code = "rooms_rate_limited"
)

// CodeInfo is one row of the error table: how a code travels over HTTP and
// over a WebSocket, and what people read.
type CodeInfo struct {
	Status     int    // HTTP status of an answer carrying the code
	RetryAfter string // HTTP Retry-After, in seconds; "" for none
	Close      int    // WebSocket close status that follows the error frame; 0 leaves the socket open
	RU, EN     string // the sentence shown to people
}

// codeTable is every code's row. A new code is one constant above and one
// line here; TestCodeTable checks that both are there.
var codeTable = map[Code]CodeInfo{
	CodeBadRequest:         {Status: http.StatusBadRequest, RU: "Неверный запрос.", EN: "Bad request."},
	CodeUnauthorized:       {Status: http.StatusUnauthorized, Close: StatusPolicy, RU: "Ссылка недействительна. Войдите в комнату заново.", EN: "This link is not valid. Join the room again."},
	CodeForbidden:          {Status: http.StatusForbidden, RU: "Это действие доступно только ведущему.", EN: "Only the facilitator can do this."},
	CodeNotFound:           {Status: http.StatusNotFound, RU: "Не найдено.", EN: "Not found."},
	CodeRoomGone:           {Status: http.StatusNotFound, Close: StatusPolicy, RU: "Этой комнаты больше нет: сессия закончилась или ссылка устарела.", EN: "This room is no longer here: the session has ended or the link is out of date."},
	CodeRoomFinished:       {Status: http.StatusConflict, RU: "Игра уже завершена.", EN: "The game is over."},
	CodeQuestionClosed:     {Status: http.StatusConflict, RU: "Вопрос уже закрыт.", EN: "The question is closed."},
	CodePaused:             {Status: http.StatusConflict, RU: "Ведущий поставил вопрос на паузу. Ответ можно будет дать, когда время пойдёт снова.", EN: "The host paused the question. You can answer once the time runs again."},
	CodeAlreadyAnswered:    {Status: http.StatusConflict, RU: "Ответ уже принят.", EN: "Your answer is already in."},
	CodeInvalidChoice:      {Status: http.StatusBadRequest, RU: "Такой ответ не подходит к вопросу.", EN: "That answer does not fit the question."},
	CodeWrongPhase:         {Status: http.StatusConflict, RU: "Сейчас это сделать нельзя.", EN: "This is not possible right now."},
	CodeRoomLocked:         {Status: http.StatusForbidden, RU: "Вход в комнату закрыт ведущим.", EN: "The facilitator has closed the room to new players."},
	CodeRoomFull:           {Status: http.StatusForbidden, RU: "В комнате уже столько участников, сколько она вмещает.", EN: "The room already holds as many participants as it can."},
	CodeRemoved:            {Status: http.StatusForbidden, RU: "Ведущий удалил участника с этим именем или с этого устройства. Войти снова можно, только если ведущий разрешит.", EN: "The facilitator removed a participant with this name or from this device. You can join again only if the facilitator lets you back in."},
	CodeTooManyRooms:       {Status: http.StatusServiceUnavailable, RetryAfter: "600", RU: "На сервере открыто столько комнат, сколько он может держать. Попробуйте позже или обратитесь к администратору.", EN: "The server holds as many rooms as it can. Try again later or ask the administrator."},
	CodeRateLimited:        {Status: http.StatusTooManyRequests, RetryAfter: "60", RU: "Слишком много попыток. Подождите минуту и попробуйте снова.", EN: "Too many attempts. Wait a minute and try again."},
	CodeTooManyConnections: {Status: http.StatusTooManyRequests, Close: StatusPolicy, RU: "Слишком много открытых вкладок с этим участником. Закройте лишние.", EN: "Too many open tabs for this player. Close the extra ones."},
	CodeNameTaken:          {Status: http.StatusConflict, RU: "Это имя уже занято в комнате — добавьте фамилию или инициал.", EN: "That name is taken in this room — add an initial."},
	CodeBadName:            {Status: http.StatusBadRequest, RU: "Имя должно быть от 1 до 40 символов.", EN: "A name must be 1 to 40 characters."},
	CodeUnavailable:        {Status: http.StatusServiceUnavailable, RU: "Комната остановлена. Попробуйте через минуту.", EN: "The room is stopped. Try again in a minute."},
	CodeStorageUnavailable: {Status: http.StatusServiceUnavailable, RetryAfter: "5", RU: "Сервер временно не может сохранять ответы. Попробуйте через минуту.", EN: "The server cannot save answers right now. Try again in a minute."},
	CodeInternal:           {Status: http.StatusInternalServerError, RU: "Что-то пошло не так. Попробуйте ещё раз.", EN: "Something went wrong. Try again."},

	CodeCaptainOnly:       {Status: http.StatusForbidden, RU: "Решение команды подтверждает капитан.", EN: "The team's captain confirms the decision."},
	CodeMovedOn:           {Status: http.StatusConflict, RU: "Команда уже перешла к следующему шагу.", EN: "Your team has already moved on."},
	CodeChoiceUnavailable: {Status: http.StatusConflict, RU: "Этот вариант сейчас недоступен.", EN: "This choice is not available now."},
	CodeEventUsed:         {Status: http.StatusConflict, RU: "Это событие уже было.", EN: "This event has already happened."},

	CodeNotYourTeam: {Status: http.StatusForbidden, RU: "Это может изменить только другая команда.", EN: "Only another team can change this."},
	CodeBadText:     {Status: http.StatusBadRequest, RU: "Текст пустой или слишком длинный.", EN: "The text is empty or too long."},
	CodeCardLimit:   {Status: http.StatusConflict, RU: "Ваша команда уже написала все карточки к этому вопросу.", EN: "Your team has written all the cards this prompt takes."},
	CodeNoDots:      {Status: http.StatusConflict, RU: "Голоса закончились — снимите голос с другой карточки.", EN: "No dots left — take one back from another card."},
	CodeCardCap:     {Status: http.StatusConflict, RU: "Этой карточке больше голосов дать нельзя.", EN: "This card has all the dots you may give it."},
	CodeOwnTeam:     {Status: http.StatusForbidden, RU: "За карточки своей команды голосовать нельзя.", EN: "You cannot vote for your own team's cards."},
	CodeRecFinal:    {Status: http.StatusConflict, RU: "Ведущий уже утвердил эту рекомендацию.", EN: "The facilitator has finalised this recommendation."},

	CodeSignInRequired: {Status: http.StatusUnauthorized, RU: "Войдите как ведущий.", EN: "Sign in as a facilitator."},
	CodeBadCredentials: {Status: http.StatusUnauthorized, RU: "Неверный логин или пароль.", EN: "Wrong login or password."},
	CodeLoginTaken:     {Status: http.StatusConflict, RU: "Этот логин уже занят.", EN: "This login is taken."},
	CodeBadLogin:       {Status: http.StatusBadRequest, RU: "Логин или e-mail: от 3 до 100 букв, цифр или знаков . - _ @ +", EN: "A login or e-mail: 3 to 100 letters, digits or . - _ @ +"},
	CodeBadPassword:    {Status: http.StatusBadRequest, RU: "Пароль должен быть от 10 до 256 символов.", EN: "A password must be 10 to 256 characters."},
	CodeLinkInvalid:    {Status: http.StatusGone, RU: "Ссылка недействительна: срок истёк, её уже использовали или учётная запись уже создана.", EN: "This link is not valid: it expired, was used, or the account already exists."},
	CodeOwnerOnly:      {Status: http.StatusForbidden, RU: "Это может сделать только автор комнаты.", EN: "Only the room's owner can do this."},
	CodeNoFacilitator:  {Status: http.StatusNotFound, RU: "Ведущего с таким логином нет.", EN: "There is no facilitator with this login."},
	CodeCrossSite:      {Status: http.StatusForbidden, RU: "Запрос пришёл с другого сайта и отклонён. Откройте страницу huddle и попробуйте снова.", EN: "The request came from another site and was refused. Open the huddle page and try again."},
	CodeMediaType:      {Status: http.StatusUnsupportedMediaType, RU: "Запрос должен быть в формате JSON.", EN: "The request must be JSON."},
	CodeRoomsPerClient: {Status: http.StatusTooManyRequests, RetryAfter: "60", RU: "С этого адреса создано слишком много комнат. Подождите минуту и попробуйте снова.", EN: "Too many rooms have been created from this address. Wait a minute and try again."},
}

// errorCodes maps errors to codes, the first match winning: the engines'
// errors come before the room's that wrap them.
var errorCodes = []struct {
	err  error
	code Code
}{
	{board.ErrWrongPhase, CodeWrongPhase},
	{board.ErrNotFound, CodeNotFound},
	{board.ErrNotAllowed, CodeNotYourTeam},
	{ErrBadText, CodeBadText},
	{board.ErrTooLong, CodeBadText},
	{board.ErrEmpty, CodeBadText},
	{board.ErrTooMany, CodeCardLimit},
	{board.ErrNoDots, CodeNoDots},
	{board.ErrCardCap, CodeCardCap},
	{board.ErrOwnTeam, CodeOwnTeam},
	{board.ErrBadValue, CodeBadRequest},
	{board.ErrFinal, CodeRecFinal},

	{ErrUnauthorized, CodeUnauthorized},
	{game.ErrForbidden, CodeCaptainOnly},
	{game.ErrStale, CodeMovedOn},
	{game.ErrNotAllowed, CodeChoiceUnavailable},
	{game.ErrUsed, CodeEventUsed},
	{ErrForbidden, CodeForbidden},
	{ErrGone, CodeRoomGone},
	{ErrNotFound, CodeNotFound},
	{ErrNoTeam, CodeNotFound},
	{quiz.ErrUnknownPlayer, CodeNotFound},
	{ErrFinished, CodeRoomFinished},
	{quiz.ErrClosed, CodeQuestionClosed},
	{quiz.ErrPaused, CodePaused},
	{quiz.ErrAlreadyAnswered, CodeAlreadyAnswered},
	{quiz.ErrInvalidChoice, CodeInvalidChoice},
	{ErrWrongPhase, CodeWrongPhase},
	{quiz.ErrWrongPhase, CodeWrongPhase},
	{ErrRateLimited, CodeRateLimited},
	{ErrTooManyConns, CodeTooManyConnections},
	{ErrLocked, CodeRoomLocked},
	{ErrRoomFull, CodeRoomFull},
	{ErrRemoved, CodeRemoved},
	{ErrTooManyRooms, CodeTooManyRooms},
	{ErrRoomsPerClient, CodeRoomsPerClient},
	{ErrCrossSite, CodeCrossSite},
	{ErrMediaType, CodeMediaType},
	{ErrNameTaken, CodeNameTaken},
	{ErrBadName, CodeBadName},
	{ErrBadRequest, CodeBadRequest},
	{ErrStopped, CodeUnavailable},
	{ErrShutdown, CodeUnavailable},
	{ErrStorage, CodeStorageUnavailable},
	{ErrStoreDown, CodeStorageUnavailable},
}

// ErrorCode maps an error to its protocol code; an error it does not know
// is CodeInternal.
func ErrorCode(err error) Code {
	for _, e := range errorCodes {
		if errors.Is(err, e.err) {
			return e.code
		}
	}
	return CodeInternal
}

// Info returns the code's row of the table; an unknown code gets internal's.
func (c Code) Info() CodeInfo {
	if info, ok := codeTable[c]; ok {
		return info
	}
	return codeTable[CodeInternal]
}

// Status is the HTTP status of an answer carrying the code.
func (c Code) Status() int { return c.Info().Status }

// Message returns the code's sentence in the language ("ru" unless "en").
func (c Code) Message(lang string) string {
	info := c.Info()
	if lang == "en" {
		return info.EN
	}
	return info.RU
}
