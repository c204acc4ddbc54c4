package providertest

// The rental shop: a small schema written for anomgen's tests with the
// features that tripped the planner on the Pagila sample database, and a few
// hundred rows per table. It is not Pagila: the tables are fewer and the
// data is generated.
//
//   - store, customer, film, inventory, rental: serial keys; rental's
//     sequence is created on its own and not OWNED BY the column (as in
//     Pagila), so only the column default names it;
//   - foreign keys: customer → store, inventory → film and store, rental →
//     inventory and customer; on PostgreSQL the payment partitions declare
//     theirs (payment → customer, rental) on each partition, not on payment;
//   - payment is partitioned by month (January to March 2026), keyed by
//     (payment_date, payment_id);
//   - last_update set by a trigger on every update (PostgreSQL: one
//     function, a BEFORE UPDATE trigger per table; MariaDB, which has no
//     shared trigger functions: a trigger on store and ON UPDATE
//     CURRENT_TIMESTAMP on the other tables, its nearest equivalent);
//   - an enum for film.rating and rental.channel (PostgreSQL enum types,
//     MariaDB ENUM), domains on PostgreSQL (year, an integer with a CHECK;
//     email_address, text with a CHECK) and on MariaDB the nearest
//     equivalents (YEAR, and a VARCHAR with a CHECK constraint);
//   - a unique index across three columns of rental (rental_date,
//     inventory_id, customer_id);
//   - a generated column: customer.full_name (STORED).
//
// The data spans 2026-01-31 to 2026-03-01 UTC; RentalNow is the moment
// the tests plan at.

import "time"

// RentalNow is the clock of plans against the rental shop: a day after its
// last rows.
var RentalNow = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)

// RentalTables are the rental shop's tables with their keys, for checksums.
var RentalTables = []struct{ Name, Key string }{
	{"store", "store_id"}, {"customer", "customer_id"}, {"film", "film_id"}, {"inventory", "inventory_id"},
	{"rental", "rental_id"}, {"payment", "payment_id"},
}

// RentalPostgres is the rental shop on PostgreSQL, one statement each.
var RentalPostgres = []string{
	`CREATE TYPE mpaa_rating AS ENUM ('G', 'PG', 'PG-13', 'R', 'NC-17')`,
	`CREATE TYPE rental_channel AS ENUM ('store', 'web', 'kiosk')`,
	`CREATE DOMAIN year AS integer CONSTRAINT year_check CHECK (VALUE >= 1901 AND VALUE <= 2155)`,
	`CREATE DOMAIN email_address AS text CONSTRAINT email_address_check CHECK (VALUE LIKE '%_@_%')`,
	`CREATE FUNCTION last_updated() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.last_update = CURRENT_TIMESTAMP; RETURN NEW; END $$`,
	`CREATE TABLE store (
		store_id serial PRIMARY KEY,
		name text NOT NULL,
		city text NOT NULL,
		last_update timestamptz NOT NULL DEFAULT now())`,
	`CREATE TABLE customer (
		customer_id serial PRIMARY KEY,
		store_id integer NOT NULL REFERENCES store (store_id),
		first_name text NOT NULL,
		last_name text NOT NULL,
		full_name text GENERATED ALWAYS AS (first_name || ' ' || last_name) STORED,
		email email_address,
		active boolean NOT NULL DEFAULT true,
		create_date date NOT NULL,
		last_update timestamptz DEFAULT now())`,
	`CREATE TABLE film (
		film_id serial PRIMARY KEY,
		title text NOT NULL,
		release_year year,
		rating mpaa_rating DEFAULT 'G',
		rental_rate numeric(4,2) NOT NULL DEFAULT 4.99,
		length smallint,
		replacement_cost numeric(5,2) NOT NULL DEFAULT 19.99,
		last_update timestamptz NOT NULL DEFAULT now())`,
	`CREATE TABLE inventory (
		inventory_id serial PRIMARY KEY,
		film_id integer NOT NULL REFERENCES film (film_id),
		store_id integer NOT NULL REFERENCES store (store_id),
		last_update timestamptz NOT NULL DEFAULT now())`,
	`CREATE SEQUENCE rental_rental_id_seq`,
	`CREATE TABLE rental (
		rental_id integer NOT NULL DEFAULT nextval('rental_rental_id_seq') PRIMARY KEY,
		rental_date timestamptz NOT NULL,
		inventory_id integer NOT NULL REFERENCES inventory (inventory_id),
		customer_id integer NOT NULL REFERENCES customer (customer_id),
		return_date timestamptz,
		staff_id smallint NOT NULL,
		channel rental_channel NOT NULL DEFAULT 'store',
		last_update timestamptz NOT NULL DEFAULT now())`,
	`CREATE UNIQUE INDEX idx_unq_rental_rental_date_inventory_id_customer_id ON rental (rental_date, inventory_id, customer_id)`,
	`CREATE TABLE payment (
		payment_id serial NOT NULL,
		customer_id integer NOT NULL,
		staff_id smallint NOT NULL,
		rental_id integer NOT NULL,
		amount numeric(5,2) NOT NULL,
		payment_date timestamptz NOT NULL,
		PRIMARY KEY (payment_date, payment_id)) PARTITION BY RANGE (payment_date)`,
	`CREATE TABLE payment_p2026_01 PARTITION OF payment FOR VALUES FROM ('2026-01-01 00:00:00+00') TO ('2026-02-01 00:00:00+00')`,
	`CREATE TABLE payment_p2026_02 PARTITION OF payment FOR VALUES FROM ('2026-02-01 00:00:00+00') TO ('2026-03-01 00:00:00+00')`,
	`CREATE TABLE payment_p2026_03 PARTITION OF payment FOR VALUES FROM ('2026-03-01 00:00:00+00') TO ('2026-04-01 00:00:00+00')`,
	`ALTER TABLE payment_p2026_01 ADD CONSTRAINT payment_p2026_01_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES customer (customer_id)`,
	`ALTER TABLE payment_p2026_01 ADD CONSTRAINT payment_p2026_01_rental_id_fkey FOREIGN KEY (rental_id) REFERENCES rental (rental_id)`,
	`ALTER TABLE payment_p2026_02 ADD CONSTRAINT payment_p2026_02_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES customer (customer_id)`,
	`ALTER TABLE payment_p2026_02 ADD CONSTRAINT payment_p2026_02_rental_id_fkey FOREIGN KEY (rental_id) REFERENCES rental (rental_id)`,
	`ALTER TABLE payment_p2026_03 ADD CONSTRAINT payment_p2026_03_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES customer (customer_id)`,
	`ALTER TABLE payment_p2026_03 ADD CONSTRAINT payment_p2026_03_rental_id_fkey FOREIGN KEY (rental_id) REFERENCES rental (rental_id)`,

	`INSERT INTO store (name, city, last_update) VALUES ('Main Street', 'Lethbridge', '2026-01-01 09:00:00+00'), ('Harbour', 'Woodridge', '2026-01-01 09:00:00+00')`,
	`INSERT INTO customer (store_id, first_name, last_name, email, active, create_date, last_update)
		SELECT 1 + i % 2, (ARRAY['MARY','PATRICIA','LINDA','BARBARA','ELIZABETH','JENNIFER'])[1 + i % 6], 'SMITH' || i,
			CASE WHEN i % 25 = 0 THEN NULL ELSE 'customer' || i || '@rentalshop.example' END, i % 17 <> 0,
			DATE '2026-01-31' + (i % 30), TIMESTAMPTZ '2026-01-31 00:00:00+00' + i * INTERVAL '144 minutes'
		FROM generate_series(1, 300) i`,
	`INSERT INTO film (title, release_year, rating, rental_rate, length, replacement_cost, last_update)
		SELECT 'FILM ' || i, 1980 + i % 40, (ARRAY['G','PG','PG-13','R','NC-17'])[1 + i % 5]::mpaa_rating,
			(ARRAY[0.99, 2.99, 4.99])[1 + i % 3], CASE WHEN i % 20 = 0 THEN NULL ELSE 46 + i % 140 END, 9.99 + i % 21,
			TIMESTAMPTZ '2026-01-31 00:00:00+00' + i * INTERVAL '216 minutes'
		FROM generate_series(1, 200) i`,
	`INSERT INTO inventory (film_id, store_id, last_update)
		SELECT 1 + i % 200, 1 + i % 2, TIMESTAMPTZ '2026-01-31 00:00:00+00' + i * INTERVAL '108 minutes' FROM generate_series(1, 400) i`,
	`INSERT INTO rental (rental_date, inventory_id, customer_id, return_date, staff_id, channel, last_update)
		SELECT TIMESTAMPTZ '2026-01-31 00:00:00+00' + i * INTERVAL '71 minutes' + (i % 60) * INTERVAL '1 second',
			1 + (i * 7) % 400, 1 + (i * 13) % 300,
			CASE WHEN i % 9 = 0 THEN NULL ELSE TIMESTAMPTZ '2026-01-31 00:00:00+00' + i * INTERVAL '71 minutes' + (1 + i % 5) * INTERVAL '1 day' END,
			1 + i % 2, (ARRAY['store','store','web','kiosk'])[1 + i % 4]::rental_channel,
			TIMESTAMPTZ '2026-01-31 00:00:00+00' + i * INTERVAL '71 minutes' + INTERVAL '1 hour'
		FROM generate_series(1, 600) i`,
	`INSERT INTO payment (customer_id, staff_id, rental_id, amount, payment_date)
		SELECT r.customer_id, r.staff_id, r.rental_id, (ARRAY[0.99, 2.99, 4.99, 5.99, 7.99])[1 + r.rental_id % 5], r.rental_date + INTERVAL '5 minutes'
		FROM rental r WHERE r.rental_id % 6 <> 0`,
	`CREATE TRIGGER last_updated BEFORE UPDATE ON store FOR EACH ROW EXECUTE FUNCTION last_updated()`,
	`CREATE TRIGGER last_updated BEFORE UPDATE ON customer FOR EACH ROW EXECUTE FUNCTION last_updated()`,
	`CREATE TRIGGER last_updated BEFORE UPDATE ON film FOR EACH ROW EXECUTE FUNCTION last_updated()`,
	`CREATE TRIGGER last_updated BEFORE UPDATE ON inventory FOR EACH ROW EXECUTE FUNCTION last_updated()`,
	`CREATE TRIGGER last_updated BEFORE UPDATE ON rental FOR EACH ROW EXECUTE FUNCTION last_updated()`,
	`ANALYZE`,
}

// RentalMariaDB is the rental shop on MariaDB. MariaDB has no domains and
// no foreign keys on partitioned tables: year is YEAR, email a VARCHAR with
// a CHECK constraint, and payment (partitioned) declares no foreign keys.
var RentalMariaDB = []string{
	`CREATE TABLE store (
		store_id INT AUTO_INCREMENT PRIMARY KEY,
		name VARCHAR(40) NOT NULL,
		city VARCHAR(40) NOT NULL,
		last_update TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP) ENGINE=InnoDB`,
	`CREATE TABLE customer (
		customer_id INT AUTO_INCREMENT PRIMARY KEY,
		store_id INT NOT NULL,
		first_name VARCHAR(45) NOT NULL,
		last_name VARCHAR(45) NOT NULL,
		full_name VARCHAR(91) AS (CONCAT(first_name, ' ', last_name)) STORED,
		email VARCHAR(50) NULL,
		active TINYINT(1) NOT NULL DEFAULT 1,
		create_date DATE NOT NULL,
		last_update TIMESTAMP NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
		CONSTRAINT customer_email_check CHECK (email LIKE '%_@_%'),
		CONSTRAINT fk_customer_store FOREIGN KEY (store_id) REFERENCES store (store_id)) ENGINE=InnoDB`,
	`CREATE TABLE film (
		film_id INT AUTO_INCREMENT PRIMARY KEY,
		title VARCHAR(128) NOT NULL,
		release_year YEAR,
		rating ENUM('G','PG','PG-13','R','NC-17') DEFAULT 'G',
		rental_rate DECIMAL(4,2) NOT NULL DEFAULT 4.99,
		length SMALLINT UNSIGNED,
		replacement_cost DECIMAL(5,2) NOT NULL DEFAULT 19.99,
		last_update TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP) ENGINE=InnoDB`,
	`CREATE TABLE inventory (
		inventory_id INT AUTO_INCREMENT PRIMARY KEY,
		film_id INT NOT NULL,
		store_id INT NOT NULL,
		last_update TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
		CONSTRAINT fk_inventory_film FOREIGN KEY (film_id) REFERENCES film (film_id),
		CONSTRAINT fk_inventory_store FOREIGN KEY (store_id) REFERENCES store (store_id)) ENGINE=InnoDB`,
	`CREATE TABLE rental (
		rental_id INT AUTO_INCREMENT PRIMARY KEY,
		rental_date DATETIME NOT NULL,
		inventory_id INT NOT NULL,
		customer_id INT NOT NULL,
		return_date DATETIME NULL,
		staff_id TINYINT UNSIGNED NOT NULL,
		channel ENUM('store','web','kiosk') NOT NULL DEFAULT 'store',
		last_update TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
		UNIQUE KEY idx_unq_rental_rental_date_inventory_id_customer_id (rental_date, inventory_id, customer_id),
		CONSTRAINT fk_rental_inventory FOREIGN KEY (inventory_id) REFERENCES inventory (inventory_id),
		CONSTRAINT fk_rental_customer FOREIGN KEY (customer_id) REFERENCES customer (customer_id)) ENGINE=InnoDB`,
	`CREATE TABLE payment (
		payment_id INT AUTO_INCREMENT,
		customer_id INT NOT NULL,
		staff_id TINYINT UNSIGNED NOT NULL,
		rental_id INT NOT NULL,
		amount DECIMAL(5,2) NOT NULL,
		payment_date DATETIME NOT NULL,
		PRIMARY KEY (payment_date, payment_id),
		KEY (payment_id)) ENGINE=InnoDB
		PARTITION BY RANGE COLUMNS (payment_date) (
			PARTITION p2026_01 VALUES LESS THAN ('2026-02-01'),
			PARTITION p2026_02 VALUES LESS THAN ('2026-03-01'),
			PARTITION p2026_03 VALUES LESS THAN ('2026-04-01'))`,
	`CREATE TRIGGER store_last_updated BEFORE UPDATE ON store FOR EACH ROW SET NEW.last_update = CURRENT_TIMESTAMP`,

	`INSERT INTO store (name, city, last_update) VALUES ('Main Street', 'Lethbridge', '2026-01-01 09:00:00'), ('Harbour', 'Woodridge', '2026-01-01 09:00:00')`,
	`INSERT INTO customer (store_id, first_name, last_name, email, active, create_date, last_update)
		SELECT 1 + seq % 2, ELT(1 + seq % 6, 'MARY','PATRICIA','LINDA','BARBARA','ELIZABETH','JENNIFER'), CONCAT('SMITH', seq),
			CASE WHEN seq % 25 = 0 THEN NULL ELSE CONCAT('customer', seq, '@rentalshop.example') END, seq % 17 <> 0,
			DATE '2026-01-31' + INTERVAL (seq % 30) DAY, TIMESTAMP '2026-01-31 00:00:00' + INTERVAL (seq * 144) MINUTE
		FROM seq_1_to_300`,
	`INSERT INTO film (title, release_year, rating, rental_rate, length, replacement_cost, last_update)
		SELECT CONCAT('FILM ', seq), 1980 + seq % 40, ELT(1 + seq % 5, 'G','PG','PG-13','R','NC-17'),
			ELT(1 + seq % 3, 0.99, 2.99, 4.99), CASE WHEN seq % 20 = 0 THEN NULL ELSE 46 + seq % 140 END, 9.99 + seq % 21,
			TIMESTAMP '2026-01-31 00:00:00' + INTERVAL (seq * 216) MINUTE
		FROM seq_1_to_200`,
	`INSERT INTO inventory (film_id, store_id, last_update)
		SELECT 1 + seq % 200, 1 + seq % 2, TIMESTAMP '2026-01-31 00:00:00' + INTERVAL (seq * 108) MINUTE FROM seq_1_to_400`,
	`INSERT INTO rental (rental_date, inventory_id, customer_id, return_date, staff_id, channel, last_update)
		SELECT TIMESTAMP '2026-01-31 00:00:00' + INTERVAL (seq * 71 * 60 + seq % 60) SECOND,
			1 + (seq * 7) % 400, 1 + (seq * 13) % 300,
			CASE WHEN seq % 9 = 0 THEN NULL ELSE TIMESTAMP '2026-01-31 00:00:00' + INTERVAL (seq * 71) MINUTE + INTERVAL (1 + seq % 5) DAY END,
			1 + seq % 2, ELT(1 + seq % 4, 'store','store','web','kiosk'),
			TIMESTAMP '2026-01-31 00:00:00' + INTERVAL (seq * 71 + 60) MINUTE
		FROM seq_1_to_600`,
	`INSERT INTO payment (customer_id, staff_id, rental_id, amount, payment_date)
		SELECT r.customer_id, r.staff_id, r.rental_id, ELT(1 + r.rental_id % 5, 0.99, 2.99, 4.99, 5.99, 7.99), r.rental_date + INTERVAL 5 MINUTE
		FROM rental r WHERE r.rental_id % 6 <> 0 ORDER BY r.rental_id`,
	`ANALYZE TABLE store, customer, film, inventory, rental, payment`,
}
