//! The period roll-ups' migration (SQLite's 33, PostgreSQL's 18), and the
//! same statements again for the tests and benchmarks that make the tables
//! afresh to compare with what ingest kept.

use super::super::db::{Backend, Conn, Result};

/// A region's visits by `$key` in `$table`, from its centers' in
/// `$source`: every region a center lies in, up the tree, as `up(center_id,
/// id)`.
macro_rules! region_rollup {
    ($table:literal, $key:literal, $source:literal) => {
        concat!(
            "WITH RECURSIVE up(center_id, id) AS (
                SELECT id, region_id FROM centers WHERE region_id IS NOT NULL
                UNION SELECT up.center_id, r.parent_id FROM regions r JOIN up ON r.id = up.id
                WHERE r.parent_id IS NOT NULL)
             INSERT INTO ",
            $table,
            "(region_id, ",
            $key,
            ", visits)
                SELECT up.id, c.",
            $key,
            ", sum(c.member_visits + c.visitors)
                FROM up JOIN ",
            $source,
            " c ON c.center_id = up.center_id GROUP BY 1, 2;
             "
        )
    };
}

/// SQLite's 33 and PostgreSQL's 18, made from the events and the daily
/// roll-up with the same statements on both but for the week's Monday
/// (`$week`, each database's date arithmetic): a center's visits by week and
/// by month, its members who came in a month (how many times, not voided:
/// folded check-ins too, as the member did come), the members seen at more
/// than one center in a month (so a region's distinct members are its
/// centers' minus those counted twice), visitors by age band and purpose;
/// and each region's visits by day, week and month (its centers', those of
/// the regions below it included). Ingest keeps them in step (`rollup::Tally`); the tests compare
/// what it kept with the tables made afresh (`refill_period_rollups`).
macro_rules! period_rollups {
    ($week:literal) => {
        concat!(
            "CREATE TABLE weekly_counts (
                center_id BIGINT NOT NULL,
                week TEXT NOT NULL,
                member_visits BIGINT NOT NULL DEFAULT 0,
                visitors BIGINT NOT NULL DEFAULT 0,
                PRIMARY KEY (center_id, week)
             );
             CREATE TABLE monthly_counts (
                center_id BIGINT NOT NULL,
                month TEXT NOT NULL,
                member_visits BIGINT NOT NULL DEFAULT 0,
                visitors BIGINT NOT NULL DEFAULT 0,
                members BIGINT NOT NULL DEFAULT 0,
                PRIMARY KEY (center_id, month)
             );
             CREATE TABLE member_months (
                center_id BIGINT NOT NULL,
                month TEXT NOT NULL,
                member_id BIGINT NOT NULL,
                check_ins BIGINT NOT NULL,
                PRIMARY KEY (center_id, month, member_id)
             );
             CREATE INDEX member_months_member ON member_months(month, member_id);
             CREATE TABLE roaming_months (
                month TEXT NOT NULL,
                member_id BIGINT NOT NULL,
                PRIMARY KEY (month, member_id)
             );
             CREATE TABLE region_daily_counts (
                region_id BIGINT NOT NULL,
                local_date TEXT NOT NULL,
                visits BIGINT NOT NULL,
                PRIMARY KEY (region_id, local_date)
             );
             CREATE TABLE region_weekly_counts (
                region_id BIGINT NOT NULL,
                week TEXT NOT NULL,
                visits BIGINT NOT NULL,
                PRIMARY KEY (region_id, week)
             );
             CREATE TABLE region_monthly_counts (
                region_id BIGINT NOT NULL,
                month TEXT NOT NULL,
                visits BIGINT NOT NULL,
                PRIMARY KEY (region_id, month)
             );
             CREATE TABLE visitor_months (
                center_id BIGINT NOT NULL,
                month TEXT NOT NULL,
                age_band TEXT NOT NULL,
                purpose TEXT NOT NULL,
                visitors BIGINT NOT NULL,
                PRIMARY KEY (center_id, month, age_band, purpose)
             );
             INSERT INTO weekly_counts(center_id, week, member_visits, visitors)
                SELECT center_id, ",
            $week,
            ", sum(member_visits), sum(visitors)
                FROM daily_counts GROUP BY 1, 2;
             INSERT INTO monthly_counts(center_id, month, member_visits, visitors)
                SELECT center_id, substr(local_date, 1, 7), sum(member_visits), sum(visitors)
                FROM daily_counts GROUP BY 1, 2;
             INSERT INTO member_months(center_id, month, member_id, check_ins)
                SELECT center_id, substr(local_date, 1, 7), member_id, count(*) FROM events
                WHERE kind = 'member_check_in' AND voided_by_seq IS NULL AND member_id IS NOT NULL
                GROUP BY 1, 2, 3;
             INSERT INTO monthly_counts(center_id, month, members)
                SELECT center_id, month, count(*) FROM member_months WHERE true GROUP BY 1, 2
                ON CONFLICT (center_id, month) DO UPDATE SET members = excluded.members;
             INSERT INTO roaming_months(month, member_id)
                SELECT month, member_id FROM member_months GROUP BY 1, 2 HAVING count(*) > 1;
             ",
            region_rollup!("region_daily_counts", "local_date", "daily_counts"),
            region_rollup!("region_weekly_counts", "week", "weekly_counts"),
            region_rollup!("region_monthly_counts", "month", "monthly_counts"),
            "INSERT INTO visitor_months(center_id, month, age_band, purpose, visitors)
                SELECT center_id, substr(local_date, 1, 7), coalesce(age_band, ''),
                       coalesce(purpose, ''), count(*)
                FROM events WHERE kind = 'visitor' AND voided_by_seq IS NULL
                GROUP BY 1, 2, 3, 4;"
        )
    };
}

/// The Monday of `local_date`'s week (`YYYY-MM-DD`), in each dialect.
pub(super) const SQLITE_PERIOD_ROLLUPS: &str = period_rollups!(
    "date(local_date, '-' || ((CAST(strftime('%w', local_date) AS INTEGER) + 6) % 7) || ' days')"
);
pub(super) const POSTGRES_PERIOD_ROLLUPS: &str = period_rollups!(
    "to_char(local_date::date - (extract(isodow FROM local_date::date)::int - 1), 'YYYY-MM-DD')"
);

/// The period roll-ups' tables made afresh from the events and the daily
/// roll-up (what the migration did): for the tests, which compare them
/// with what ingest kept, and for benchmarks that write events straight
/// into the tables (`testing::refill_period_rollups`).
pub(crate) fn refill_period_rollups(conn: &Conn) -> Result<()> {
    let sql = match conn.backend() {
        Backend::Sqlite => SQLITE_PERIOD_ROLLUPS,
        Backend::Postgres => POSTGRES_PERIOD_ROLLUPS,
    };
    // The same statements, the tables dropped first.
    conn.execute_batch(
        "DROP TABLE weekly_counts; DROP TABLE monthly_counts; DROP TABLE member_months;
         DROP TABLE roaming_months; DROP TABLE visitor_months; DROP TABLE region_daily_counts;
         DROP TABLE region_weekly_counts; DROP TABLE region_monthly_counts;",
    )?;
    conn.execute_batch(sql)
}
