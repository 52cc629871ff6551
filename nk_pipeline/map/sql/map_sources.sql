-- The sources the map page and the PNG credit line name, with the English gloss of a title in
-- another language.
SELECT source_id, title, title_en, publisher, published, url, kind
FROM marts.sources
ORDER BY source_id;
