package account

import (
	"errors"

	"github.com/huddle-live/huddle/internal/room"
)

// codes maps account errors to their rows of the protocol's error table.
var codes = []struct {
	err  error
	code room.Code
}{
	{ErrSignedOut, room.CodeSignInRequired},
	{ErrCredentials, room.CodeBadCredentials},
	{ErrLoginTaken, room.CodeLoginTaken},
	{ErrBadLogin, room.CodeBadLogin},
	{ErrBadPassword, room.CodeBadPassword},
	{ErrTicket, room.CodeLinkInvalid},
	{ErrOwnerOnly, room.CodeOwnerOnly},
	{ErrNotFacilitator, room.CodeNoFacilitator},
	{ErrRateLimited, room.CodeRateLimited},
	{ErrNotFound, room.CodeNotFound},
}

// ErrorCode maps an account error to its protocol code, "" for others.
func ErrorCode(err error) room.Code {
	for _, c := range codes {
		if errors.Is(err, c.err) {
			return c.code
		}
	}
	return ""
}
