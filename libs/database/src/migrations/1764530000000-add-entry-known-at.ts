import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * When an entry's body weight and its scratch became known to us. Both are announced on race day
 * and often reach us only with the results; a pre-race view (the analysis of the race itself) uses
 * them only where they were stored before the start. A trigger keeps the times, whoever writes
 * (the collector, an import), so no writer can forget them. Rows from before: their last update.
 */
export class AddEntryKnownAt1764530000000 implements MigrationInterface {
  name = 'AddEntryKnownAt1764530000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE entries ADD COLUMN body_weight_at timestamptz, ADD COLUMN scratched_at timestamptz`,
    );
    await queryRunner.query(`UPDATE entries SET body_weight_at = updated_at WHERE body_weight_kg IS NOT NULL`);
    await queryRunner.query(`UPDATE entries SET scratched_at = updated_at WHERE scratched`);
    await queryRunner.query(`
      CREATE FUNCTION entries_known_at() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'INSERT' THEN
          NEW.body_weight_at := CASE WHEN NEW.body_weight_kg IS NOT NULL THEN now() END;
          NEW.scratched_at := CASE WHEN NEW.scratched THEN now() END;
        ELSE
          IF NEW.body_weight_kg IS DISTINCT FROM OLD.body_weight_kg OR NEW.body_weight_change IS DISTINCT FROM OLD.body_weight_change THEN
            NEW.body_weight_at := CASE WHEN NEW.body_weight_kg IS NOT NULL THEN now() END;
          END IF;
          IF NEW.scratched AND NOT OLD.scratched THEN
            NEW.scratched_at := now();
          ELSIF NOT NEW.scratched THEN
            NEW.scratched_at := NULL;
          END IF;
        END IF;
        RETURN NEW;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER entries_known_at BEFORE INSERT OR UPDATE ON entries
        FOR EACH ROW EXECUTE FUNCTION entries_known_at()`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TRIGGER entries_known_at ON entries');
    await queryRunner.query('DROP FUNCTION entries_known_at()');
    await queryRunner.query('ALTER TABLE entries DROP COLUMN body_weight_at, DROP COLUMN scratched_at');
  }
}
