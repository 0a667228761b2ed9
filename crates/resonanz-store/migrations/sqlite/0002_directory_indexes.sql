-- The contacts of an organisation (organisation detail) and the teams of a user (user list) are
-- read by these columns; without the indexes both would scan the whole table.
CREATE INDEX contacts_organisation ON contacts (organisation_id, id);
CREATE INDEX team_members_user ON team_members (user_id);
