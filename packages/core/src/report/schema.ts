// Moved to @whittle/report; this re-export keeps '../report/schema.js' imports working. New code imports '@whittle/report'.
export * from '@whittle/report';
