package session

import (
	"encoding/json"
	"strings"

	"github.com/huddle-live/huddle/internal/board"
)

// Actor is who sent a command: a role, and for a phone its player.
type Actor struct {
	Role   Role
	Player string
}

// hostCommands are the room's own commands, the host's only; a type that
// is neither one of them nor a stage kind's is a bad request, from any role.
var hostCommands = map[string]bool{"start": true, "next": true, "end": true, "lock": true, "kick": true, "readmit": true, "move": true, evScreenPage: true}

// Exec checks a client's command against the state and records the events
// it makes in tx. ErrDuplicate means it changes nothing it had not already
// changed: the client is acknowledged all the same.
func (s *State) Exec(tx *Tx, a Actor, typ string, data json.RawMessage) error {
	if a.Role == RoleWatcher {
		// A watcher only follows the room: every command is someone else's.
		if kindOf(typ) != nil || hostCommands[typ] {
			return ErrForbidden
		}
		return ErrBadRequest
	}
	if k := kindOf(typ); k != nil {
		return k.exec(s, tx, a, typ, data)
	}
	if !hostCommands[typ] {
		return ErrBadRequest
	}
	if a.Role != RoleHost {
		return ErrForbidden
	}
	switch typ {
	case "start":
		return tx.record(s, evStarted, &noData{})
	case "next":
		phase, stage := s.Phase(), s.Stage
		if err := tx.record(s, evNext, &noData{}); err != nil {
			return err
		}
		// A board reveals its prompts one by one within one phase, and the
		// podium its places: show each. A quiz's step to another phase is
		// marked by record, for the audiences it concerns.
		if s.quizNow() == nil || s.Finished || s.Phase() == phase && s.Stage == stage {
			tx.Marks.everything()
		}
		return nil
	case "end":
		return tx.record(s, evEnded, &noData{})
	case "lock":
		var d lockData
		if err := json.Unmarshal(data, &d); err != nil {
			return ErrBadRequest
		}
		if err := tx.record(s, evLocked, &d); err != nil {
			return err
		}
		tx.Marks.View = true
		return nil
	case "kick":
		var d playerData
		if err := json.Unmarshal(data, &d); err != nil || d.Player == "" {
			return ErrBadRequest
		}
		if err := tx.record(s, evKicked, &d); err != nil {
			return err
		}
		p := s.byID[d.Player]
		tx.Marks.View = true
		tx.Marks.team(s, p.Team)
		tx.Kicked = append(tx.Kicked, p.ID)
		if cur := s.current(); cur != nil && !s.Finished && !s.Between {
			return cur.left(s, tx, p.Team)
		}
		return nil
	case "move":
		var d movedData
		if err := json.Unmarshal(data, &d); err != nil || d.Player == "" || d.Team == "" {
			return ErrBadRequest
		}
		p := s.byID[d.Player]
		old := ""
		if p != nil {
			old = p.Team
		}
		if err := tx.record(s, evMoved, &d); err != nil {
			return err
		}
		tx.Marks.View, tx.Marks.State, tx.Marks.Urgent = true, true, true
		tx.Marks.team(s, old)
		tx.Marks.team(s, d.Team)
		if cur := s.current(); cur != nil && !s.Finished && !s.Between {
			return cur.left(s, tx, old) // what waited for the player in the old team
		}
		return nil
	case evScreenPage:
		return s.turnScreen(tx, data)
	case "readmit":
		var d playerData
		if err := json.Unmarshal(data, &d); err != nil || d.Player == "" {
			return ErrBadRequest
		}
		if err := tx.record(s, evReadmitted, &d); err != nil {
			return err
		}
		tx.Marks.View = true
		return nil
	}
	return ErrBadRequest
}

// Device ids are letters, digits, '-' and '_', this long.
const minDevice, maxDevice = 16, 64

// Joining is a player about to join, as Join takes it.
type Joining struct {
	ID        string // new, unique
	Name      string // cleaned by CheckJoin
	Team      string // "" assigns the smallest team
	Sector    string
	TokenHash string // of the secret token the phone will hold
	Device    string // hash of the phone's device id (CheckJoin); "" for none
}

// CheckJoin cleans what a phone sends to join, before the room is asked:
// the name, the sector ("state", "ngo" or ""), and the device id, returned
// as the hash it is kept under.
func CheckJoin(name, sector, device string) (clean, deviceHash string, err error) {
	if clean, err = CleanName(name); err != nil {
		return "", "", err
	}
	if sector != "" && sector != board.SectorState && sector != board.SectorNGO {
		return "", "", ErrBadRequest
	}
	if device == "" {
		return clean, "", nil
	}
	if !validDevice(device) {
		return "", "", ErrBadRequest
	}
	return clean, HashToken(device), nil
}

// validDevice reports whether d is a device id: random, never shown, so
// nothing to clean, only a shape to check.
func validDevice(d string) bool {
	if len(d) < minDevice || len(d) > maxDevice {
		return false
	}
	for _, c := range d {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// Join adds a player, unless the room is finished, locked or holds limit
// players, the team does not exist, or the name is taken or barred. It
// returns the player's team.
func (s *State) Join(tx *Tx, j Joining, limit int) (string, error) {
	switch {
	case s.Finished:
		return "", ErrFinished
	case s.Locked:
		return "", ErrLocked
	case len(s.active) >= limit:
		return "", ErrRoomFull
	}
	team := j.Team
	if team == "" {
		team = s.smallestTeam()
	}
	if s.team(team) == nil {
		return "", ErrNoTeam
	}
	// The first player in join order of the same name or device decides,
	// found through the indexes: a scan of every player made the joins of
	// a big room quadratic.
	if err := s.nameRefused(j.Name, j.Device); err != nil {
		return "", err
	}
	if err := tx.record(s, evJoined, &joinedData{Player: j.ID, Name: j.Name, Team: team, Sector: j.Sector, TokenHash: j.TokenHash, DeviceHash: j.Device}); err != nil {
		return "", err
	}
	tx.Marks.View = true
	// Teammates' phones list the first maxListedMembers names: only while
	// the list grows do they need a new "me". Marking a whole large team
	// per join sent every phone ten updates a second while thousands joined.
	if s.teamSize(team) <= maxListedMembers {
		tx.Marks.team(s, team)
	}
	return team, nil
}

// nameRefused says why a name and device may not join: the first player,
// in join order, who is removed and has that name or device, or who is
// active and has that name.
func (s *State) nameRefused(name, device string) error {
	names := s.byName[foldName(name)]
	var devs []int
	if device != "" {
		devs = s.byDev[device]
	}
	for len(names) > 0 || len(devs) > 0 {
		var i int
		sameName := len(names) > 0 && (len(devs) == 0 || names[0] <= devs[0])
		if sameName {
			i = names[0]
		} else {
			i = devs[0]
		}
		if len(names) > 0 && names[0] == i {
			names = names[1:]
		}
		if len(devs) > 0 && devs[0] == i {
			devs = devs[1:]
		}
		p := s.Players[i]
		switch {
		case p.barred() && (sameName && strings.EqualFold(p.Name, name) || device != "" && p.DeviceHash == device):
			return ErrRemoved
		case !p.Kicked && sameName && strings.EqualFold(p.Name, name):
			return ErrNameTaken
		}
	}
	return nil
}

// Reissue replaces the host's or the screen's token hash, or both; ""
// keeps one as it is.
func (s *State) Reissue(tx *Tx, hostHash, screenHash string) error {
	return tx.record(s, evLinks, &linksData{HostHash: hostHash, ScreenHash: screenHash})
}
