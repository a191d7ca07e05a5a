package account

import "errors"

// ErrorCode maps an account error to its protocol code, "" for others.
func ErrorCode(err error) string {
	switch {
	case errors.Is(err, ErrSignedOut):
		return "sign_in_required"
	case errors.Is(err, ErrCredentials):
		return "bad_credentials"
	case errors.Is(err, ErrLoginTaken):
		return "login_taken"
	case errors.Is(err, ErrBadLogin):
		return "bad_login"
	case errors.Is(err, ErrBadPassword):
		return "bad_password"
	case errors.Is(err, ErrTicket):
		return "link_invalid"
	case errors.Is(err, ErrOwnerOnly):
		return "owner_only"
	case errors.Is(err, ErrNotFacilitator):
		return "no_facilitator"
	case errors.Is(err, ErrRateLimited):
		return "rate_limited"
	case errors.Is(err, ErrNotFound):
		return "not_found"
	}
	return ""
}
