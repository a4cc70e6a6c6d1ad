DROP TABLE distribution_patterns;
