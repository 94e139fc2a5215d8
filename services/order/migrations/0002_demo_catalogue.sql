-- The demo catalogue. Prices in fen; the 1-fen item keeps payment tests cheap.
INSERT INTO products (sku, name, price_fen) VALUES
  ('TEA-LONGJING-250G', 'West Lake Longjing green tea, 250 g', 16800),
  ('COFFEE-YUNNAN-500G', 'Yunnan arabica coffee beans, 500 g', 8800),
  ('MUG-CERAMIC', 'Ceramic mug, 350 ml', 3900),
  ('TOTE-CANVAS', 'Canvas tote bag', 2900),
  ('NOTEBOOK-A5', 'A5 dotted notebook', 1500),
  ('TEST-1FEN', 'Payment test item', 1)
ON CONFLICT (sku) DO NOTHING;
