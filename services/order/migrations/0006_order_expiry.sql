-- Orders expire: unpaid after expires_at (sent to WeChat as time_expire), they are closed, at
-- WeChat first. Orders made before this had the 30-minute default.
ALTER TABLE orders ADD COLUMN expires_at timestamptz;
UPDATE orders SET expires_at = created_at + interval '30 minutes' WHERE expires_at IS NULL;
ALTER TABLE orders ALTER COLUMN expires_at SET NOT NULL;

-- The settling jobs' two questions: which open orders have expired, and which have waited
-- longest for their payment.
CREATE INDEX orders_open_by_expiry ON orders (expires_at, id)
  WHERE state IN ('CREATED', 'PAYING', 'PAY_FAILED');
CREATE INDEX orders_paying_since ON orders (updated_at, id) WHERE state = 'PAYING';
