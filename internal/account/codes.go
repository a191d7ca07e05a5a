package account

import (
	"errors"

	"github.com/huddle-live/huddle/internal/session"
)

// codes maps account errors to their rows of the protocol's error table.
var codes = []struct {
	err  error
	code session.Code
}{
	{ErrSignedOut, session.CodeSignInRequired},
	{ErrCredentials, session.CodeBadCredentials},
	{ErrLoginTaken, session.CodeLoginTaken},
	{ErrBadLogin, session.CodeBadLogin},
	{ErrBadPassword, session.CodeBadPassword},
	{ErrTicket, session.CodeLinkInvalid},
	{ErrOwnerOnly, session.CodeOwnerOnly},
	{ErrNotFacilitator, session.CodeNoFacilitator},
	{ErrRateLimited, session.CodeRateLimited},
	{ErrNotFound, session.CodeNotFound},
}

// ErrorCode maps an account error to its protocol code, "" for others.
func ErrorCode(err error) session.Code {
	for _, c := range codes {
		if errors.Is(err, c.err) {
			return c.code
		}
	}
	return ""
}
