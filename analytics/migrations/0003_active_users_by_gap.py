import django.contrib.postgres.fields
from django.db import migrations, models

# `analytics.activity`: the (day, user) facts of a transaction into ActiveUserDay and ActiveUsers.
# Each user's writers queue on an advisory lock (the uuid's hash: a collision only makes two users
# queue); every statement after it sees the facts the previous writers committed (a VOLATILE
# function takes a snapshot per statement). A new day d between the user's days p (before) and n
# (after) adds its gap (d - p) at d and moves n's gap from (n - p) to (n - d); gaps of 366 days or
# more, or without a previous day, are 366. The ActiveUsers rows are taken in (day, slice) order.
ADD_DAYS = """
CREATE FUNCTION analytics_active_days_add(new_days date[], new_users uuid[]) RETURNS integer
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    who uuid;
    active_on date;
    before date;
    after date;
    part integer;
    change record;
    change_days date[] := '{}';
    change_slices integer[] := '{}';
    change_gaps integer[] := '{}';
    change_signs integer[] := '{}';
    added integer := 0;
BEGIN
    FOR who IN SELECT DISTINCT x FROM unnest(new_users) AS x ORDER BY x LOOP
        PERFORM pg_advisory_xact_lock(hashtextextended(who::text, 0));
    END LOOP;
    FOR active_on, who IN SELECT f.d, f.u FROM unnest(new_days, new_users) AS f(d, u) ORDER BY f.u, f.d LOOP
        INSERT INTO analytics_activeuserday (day, user_id) VALUES (active_on, who) ON CONFLICT DO NOTHING;
        CONTINUE WHEN NOT FOUND;
        added := added + 1;
        part := mod(('x' || right(who::text, 1))::bit(4)::int, 8);
        SELECT max(a.day) INTO before FROM analytics_activeuserday a
            WHERE a.user_id = who AND a.day < active_on AND a.day > active_on - 366;
        SELECT min(a.day) INTO after FROM analytics_activeuserday a
            WHERE a.user_id = who AND a.day > active_on AND a.day < active_on + 366;
        change_days := change_days || active_on;
        change_slices := change_slices || part;
        change_gaps := change_gaps || least(active_on - before, 366);
        change_signs := change_signs || 1;
        IF after IS NOT NULL THEN
            change_days := change_days || ARRAY[after, after];
            change_slices := change_slices || ARRAY[part, part];
            change_gaps := change_gaps || ARRAY[least(after - before, 366), after - active_on];
            change_signs := change_signs || ARRAY[-1, 1];
        END IF;
    END LOOP;
    FOR change IN
        SELECT c.d, c.s, c.g, c.sign FROM unnest(change_days, change_slices, change_gaps, change_signs) AS c(d, s, g, sign)
        ORDER BY c.d, c.s
    LOOP
        INSERT INTO analytics_activeusers AS r (day, slice, counts)
        VALUES (change.d, change.s, array_fill(change.sign, ARRAY[change.g]) || array_fill(0, ARRAY[366 - change.g]))
        ON CONFLICT (day, slice) DO UPDATE SET counts = (
            SELECT array_agg(x + y ORDER BY i) FROM unnest(r.counts, EXCLUDED.counts) WITH ORDINALITY AS z(x, y, i)
        );
    END LOOP;
    RETURN added;
END;
$$;
"""
DROP_ADD_DAYS = "DROP FUNCTION analytics_active_days_add(date[], uuid[]);"

# The counts from the facts already kept (as `analytics.activity.counts_sql` computes them).
FILL_COUNTS = """
INSERT INTO "analytics_activeusers" (day, slice, counts)
WITH gaps AS (
    SELECT day, mod(('x' || right(user_id::text, 1))::bit(4)::int, 8) AS slice,
           least(day - lag(day) OVER (PARTITION BY user_id ORDER BY day), 366) AS gap
    FROM "analytics_activeuserday"
), by_gap AS (
    SELECT day, slice, gap, count(*) AS n FROM gaps GROUP BY 1, 2, 3
), cells AS (
    SELECT r.day, r.slice, k, sum(coalesce(b.n, 0)) OVER (PARTITION BY r.day, r.slice ORDER BY k DESC) AS n
    FROM (SELECT DISTINCT day, slice FROM by_gap) AS r
    CROSS JOIN generate_series(1, 366) AS k
    LEFT JOIN by_gap b ON b.day = r.day AND b.slice = r.slice AND b.gap = k
)
SELECT day, slice, array_agg(n::int ORDER BY k) FROM cells GROUP BY day, slice
"""


class Migration(migrations.Migration):

    dependencies = [
        ('analytics', '0002_click_figures'),
    ]

    operations = [
        migrations.CreateModel(
            name='ActiveUsers',
            fields=[
                ('id', models.BigAutoField(primary_key=True, serialize=False)),
                ('day', models.DateField()),
                ('slice', models.SmallIntegerField()),
                ('counts', django.contrib.postgres.fields.ArrayField(base_field=models.IntegerField(), size=366)),
            ],
            options={
                'verbose_name_plural': 'active users',
            },
        ),
        migrations.RemoveConstraint(
            model_name='activeuserday',
            name='active_user_day_unique',
        ),
        migrations.AddConstraint(
            model_name='activeuserday',
            constraint=models.UniqueConstraint(fields=('user_id', 'day'), name='active_user_day_user_day_unique'),
        ),
        migrations.AddConstraint(
            model_name='activeusers',
            constraint=models.UniqueConstraint(fields=('day', 'slice'), name='active_users_day_slice_unique'),
        ),
        migrations.AddConstraint(
            model_name='activeusers',
            constraint=models.CheckConstraint(condition=models.Q(('slice__gte', 0), ('slice__lt', 8)), name='active_users_slice_range'),
        ),
        migrations.RunSQL(ADD_DAYS, DROP_ADD_DAYS),
        migrations.RunSQL(FILL_COUNTS, migrations.RunSQL.noop),
    ]
